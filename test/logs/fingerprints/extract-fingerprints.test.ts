import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {describe, it} from 'node:test'

import {extractFingerprints, MAX_VALUE, probedAttacker} from '../../../src/logs/fingerprints/extract-fingerprints.js'
import {headerQuirks} from '../../../src/logs/fingerprints/header-quirks.js'
import {readHeaders} from '../../../src/logs/fingerprints/header-object.js'
import {addressCategory, proxyClaim} from '../../../src/logs/fingerprints/proxy-claim.js'
import {parsePythonDict} from '../../../src/logs/fingerprints/python-repr.js'
import {classifyUserAgent} from '../../../src/logs/fingerprints/user-agent.js'
import {parseLine} from '../../../src/logs/parse.js'
import {LineFingerprints} from '../../../src/workers/profiler/fingerprints/line-fingerprints.js'

/** The fingerprints of one wire-format line, as the profiler reads it (parsed by ingest's own parser). */
function ofLine(line: string) {
  const parsed = parseLine(line)
  assert.ok(parsed.ok, `the line parses: ${parsed.ok ? '' : parsed.reason}`)
  return {fingerprints: extractFingerprints(parsed.line.service, parsed.line.eventType, parsed.line.fields), line: parsed.line}
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('fingerprints of DECNET lines', () => {
  it('reads the User-Agent, the header quirks and no claim from an http request (JSON headers)', () => {
    const {fingerprints, line} = ofLine(
      '<134>1 2025-03-02T10:40:01.100200+00:00 web-01 http - request [relay@55555 method="POST" path="/wp-login.php" remote_addr="203.0.113.7" headers="{\\"Host\\": \\"web-01\\", \\"User-Agent\\": \\"curl/8.5.0\\", \\"Content-Type\\": \\"application/x-www-form-urlencoded\\"}" body="log=admin&pwd=hunter2" principal="admin" secret_kind="plaintext" secret_printable="hunter2" secret_b64="aHVudGVyMg=="]',
    )
    assert.equal(line.attackerIp, '203.0.113.7')
    assert.deepEqual(fingerprints.map((f) => f.type), ['http_useragent', 'http_quirks'])
    assert.deepEqual(fingerprints[0], {details: {category: 'cli', signals: [], tool: 'curl'}, type: 'http_useragent', value: 'curl/8.5.0', valueSha256: sha('curl/8.5.0')})
    const quirks = fingerprints[1]
    assert.deepEqual(quirks.details.order, ['Host', 'User-Agent', 'Content-Type'])
    assert.equal(quirks.details.casingCategory, 'title')
    assert.equal(quirks.details.toolGuess, 'nmap-nse', 'host, user-agent first: DECNET\'s prefix rule')
    assert.equal(quirks.details.orderHash, sha('host\nuser-agent\ncontent-type').slice(0, 16))
    assert.equal(quirks.value, `${quirks.details.orderHash}:${sha('title\ntitle\ntitle').slice(0, 16)}`)
  })

  it('reads https headers logged as a Python-repr dict, and a proxy claim in them', () => {
    const {fingerprints} = ofLine(
      `<134>1 2025-03-02T10:41:00.000000+00:00 web-02 https - request [relay@55555 method="GET" path="/" remote_addr="203.0.113.7" headers="{'Host': 'web-02', 'User-Agent': 'sqlmap/1.7#stable (https://sqlmap.org)', 'X-Forwarded-For': '8.8.8.8, 10.0.0.1', 'X-Real-IP': \\"it's 127.0.0.1\\"}"]`,
    )
    assert.deepEqual(fingerprints.map((f) => f.type), ['http_useragent', 'http_quirks', 'ip_leak'])
    assert.deepEqual(fingerprints[0].details, {category: 'scanner', signals: [], tool: 'sqlmap'})
    assert.deepEqual(fingerprints[1].details.order, ['Host', 'User-Agent'], 'proxy headers are volatile')
    assert.equal(fingerprints[1].details.toolGuess, 'nmap-nse')
    assert.equal(fingerprints[2].value, '8.8.8.8')
    assert.deepEqual(fingerprints[2].details, {category: 'public', header: 'X-Forwarded-For', headersSeen: {'X-Forwarded-For': '8.8.8.8, 10.0.0.1', 'X-Real-IP': "it's 127.0.0.1"}})
  })

  it('attributes the Caddy fingerprint line to the IP without its port, as DECNET\'s own ja4h family', () => {
    const {fingerprints, line} = ofLine(
      '<134>1 2025-03-02T10:40:01.099800+00:00 web-01 http - http_request_fingerprint [relay@55555 remote_addr="203.0.113.7:51544" proto="h1" method="POST" path="/wp-login.php" ja4h="PO11nn0000_03_6f1ed002ab55_000000000000" headers_ordered="[\\"host\\", \\"user-agent\\", \\"content-type\\"]" cookie="" accept_language=""]',
    )
    assert.equal(line.attackerIp, '203.0.113.7')
    assert.deepEqual(fingerprints, [{
      details: {headers_ordered: ['host', 'user-agent', 'content-type'], proto: 'h1'}, type: 'ja4h_decnet',
      value: 'PO11nn0000_03_6f1ed002ab55_000000000000', valueSha256: sha('PO11nn0000_03_6f1ed002ab55_000000000000'),
    }])
  })

  it('reads HTTP/2 settings as one value of the names, values and frame order', () => {
    const {fingerprints} = ofLine(
      '<134>1 2025-03-02T10:40:02.000000+00:00 web-01 https - http2_settings [relay@55555 remote_addr="203.0.113.7:51600" settings="{\\"HEADER_TABLE_SIZE\\": 65536, \\"ENABLE_PUSH\\": 0, \\"INITIAL_WINDOW_SIZE\\": 6291456}" frame_order="[1, 2, 4]"]',
    )
    assert.equal(fingerprints[0].type, 'http2_settings')
    assert.equal(fingerprints[0].value, 'HEADER_TABLE_SIZE=65536;ENABLE_PUSH=0;INITIAL_WINDOW_SIZE=6291456|[1, 2, 4]')
    assert.deepEqual(fingerprints[0].details, {frame_order: [1, 2, 4], settings: {ENABLE_PUSH: 0, HEADER_TABLE_SIZE: 65536, INITIAL_WINDOW_SIZE: 6291456}})
  })

  it('reads the sniffer\'s ClientHello (ja3, ja4, ja4l, resumption), ServerHello (ja3s, ja4s), QUIC and SSH banner lines', () => {
    const hello = ofLine(
      '<134>1 2025-03-02T17:00:01.000000+00:00 web-01 sniffer - tls_client_hello [relay@55555 src_ip="203.0.113.7" src_port="40113" dst_ip="10.0.0.21" dst_port="443" ja3="e7d705a3286e19ea42f587b344ee6865" ja4="t13d1516h2_8daaf6152771_b186095e22b6" tls_version="TLS 1.3" sni="web-01" alpn="h2,http/1.1" raw_ciphers="4865-4866" raw_extensions="0-23-65281" resumption="session_ticket,psk" ja4l_rtt_ms="41.2" ja4l_client_ttl="52"]',
    ).fingerprints
    assert.deepEqual(hello.map((f) => [f.type, f.value]), [
      ['ja3', 'e7d705a3286e19ea42f587b344ee6865'], ['ja4', 't13d1516h2_8daaf6152771_b186095e22b6'], ['ja4l', '52'], ['tls_resumption', 'session_ticket,psk'],
    ])
    assert.deepEqual(hello[0].details, {alpn: 'h2,http/1.1', dst_port: '443', raw_ciphers: '4865-4866', raw_extensions: '0-23-65281', sni: 'web-01', tls_version: 'TLS 1.3'})
    assert.deepEqual(hello[2].details, {ja4l_client_ttl: '52', ja4l_rtt_ms: '41.2'})
    const session = ofLine(
      '<132>1 2025-03-02T17:00:01.050000+00:00 web-01 sniffer - tls_session [relay@55555 src_ip="203.0.113.7" src_port="40113" dst_ip="10.0.0.21" dst_port="443" ja3s="f4febc55ea12b31ae17cfb7e614afda8" ja4s="t130200_1301_234ea6891581" tls_version="TLS 1.3" ja3="e7d705a3286e19ea42f587b344ee6865"]',
    ).fingerprints
    assert.deepEqual(session.map((f) => f.type), ['ja3s', 'ja4s'], 'a ServerHello does not count its ClientHello twice')
    assert.deepEqual(ofLine('<132>1 2025-03-02T17:00:02.000000+00:00 web-01 sniffer - quic_client_hello [relay@55555 src_ip="203.0.113.7" dst_ip="10.0.0.21" dst_port="443" ja4_quic="q13d0310h3_55b375c5d22e_cd85d2d88918" sni="web-01" alpn="h3" raw_ciphers="4865"]').fingerprints.map((f) => [f.type, f.value]), [['ja4_quic', 'q13d0310h3_55b375c5d22e_cd85d2d88918']])
    assert.deepEqual(ofLine('<134>1 2025-03-02T17:00:03.000000+00:00 ssh-01 sniffer - ssh_client_banner [relay@55555 src_ip="203.0.113.7" src_port="40200" dst_ip="10.0.0.22" dst_port="22" ssh_version="SSH-2.0-libssh2_1.10.0"]').fingerprints.map((f) => [f.type, f.value]), [['ssh_client_banner', 'SSH-2.0-libssh2_1.10.0']])
  })

  it('keeps no passive certificate (the decky\'s own) but the prober\'s', () => {
    assert.deepEqual(ofLine('<134>1 2025-03-02T17:00:04.000000+00:00 web-01 sniffer - tls_certificate [relay@55555 src_ip="203.0.113.7" subject_cn="web-01" issuer="web-01" self_signed="true" not_before="2025-01-01" not_after="2026-01-01" sans="web-01" sni="web-01"]').fingerprints, [])
    const active = ofLine('<134>1 2025-03-02T18:00:01.000000+00:00 decnet-prober prober - tls_certificate [relay@55555 target_ip="203.0.113.7" target_port="8443" subject_cn="c2.example" issuer="c2.example" self_signed="true" not_before="2025-01-01" not_after="2026-01-01" sans="c2.example" cert_sha256="aa11"] CERT')
    assert.deepEqual(active.fingerprints.map((f) => [f.type, f.value]), [['tls_certificate', 'aa11']])
    assert.equal(active.line.attackerIp, null, 'ingest names no attacker on a prober line...')
    assert.equal(probedAttacker(active.line.service, active.line.fields), '203.0.113.7', '...its target is the attacker')
  })

  it('reads the prober\'s HASSH (and its KEX order), JARM, tcpfp and ICMP lines', () => {
    const hassh = ofLine('<134>1 2025-03-02T18:00:00.000000+00:00 decnet-prober prober - hassh_fingerprint [relay@55555 target_ip="203.0.113.7" target_port="22" hassh_server_hash="b12d2871a1189eff20364cf5333619ee" ssh_banner="SSH-2.0-OpenSSH_8.9p1" kex_algorithms="curve25519-sha256,ecdh-sha2-nistp256" encryption_s2c="aes128-ctr" mac_s2c="hmac-sha2-256" compression_s2c="none"] HASSH 203.0.113.7:22 = b12d2871a1189eff20364cf5333619ee')
    assert.deepEqual(hassh.fingerprints.map((f) => [f.type, f.value]), [['hassh_server', 'b12d2871a1189eff20364cf5333619ee'], ['kex_order', 'curve25519-sha256,ecdh-sha2-nistp256']])
    assert.equal(hassh.fingerprints[0].details.ssh_banner, 'SSH-2.0-OpenSSH_8.9p1')
    const jarm = ofLine(`<134>1 2025-03-02T18:00:02.000000+00:00 decnet-prober prober - jarm_fingerprint [relay@55555 target_ip="2001:DB8::7" target_port="443" jarm_hash="${'2a'.repeat(31)}"]`)
    assert.deepEqual(jarm.fingerprints.map((f) => [f.type, f.details]), [['jarm', {target_port: '443'}]])
    assert.equal(probedAttacker(jarm.line.service, jarm.line.fields), '2001:db8::7')
    const tcp = ofLine('<134>1 2025-03-02T18:00:03.000000+00:00 decnet-prober prober - tcpfp_fingerprint [relay@55555 target_ip="203.0.113.7" target_port="80" tcpfp_hash="0123456789abcdef0123456789abcdef" tcpfp_raw="64:64240:1:1460:7:1:1:M,S,T,N,W:0:0" ttl="52" window_size="64240" df_bit="1" mss="1460" window_scale="7" sack_ok="1" timestamp="1" options_order="M,S,T,N,W" tos="0" dscp="0" ecn="0" server_isn="12345"]')
    assert.equal(tcp.fingerprints[0].type, 'tcpfp')
    assert.equal(tcp.fingerprints[0].details.tcpfp_raw, '64:64240:1:1460:7:1:1:M,S,T,N,W:0:0')
    assert.equal(tcp.fingerprints[0].details.server_isn, undefined, 'a per-probe number is no description')
    const icmp = ofLine('<134>1 2025-03-02T18:00:04.000000+00:00 decnet-prober prober - icmp_error_leak [relay@55555 target_ip="203.0.113.7" target_port="-" icmp_matrix="P.F." icmp_fp_hash="fedcba9876543210fedcba9876543210" icmp_port_unreach="1" icmp_port_unreach_rtt_ms="30.1" icmp_time_exceeded="0" icmp_frag_needed="1"]')
    assert.deepEqual(icmp.fingerprints.map((f) => [f.type, f.value, f.details.icmp_matrix]), [['icmp_error', 'fedcba9876543210fedcba9876543210', 'P.F.']])
    const icmp6 = ofLine('<134>1 2025-03-02T18:00:05.000000+00:00 decnet-prober prober - icmp6_error_leak [relay@55555 target_ip="2001:db8::7" target_port="-" icmp6_matrix="P..." icmp6_fp_hash="00112233445566778899aabbccddeeff" icmp6_port_unreach="1"]')
    assert.deepEqual(icmp6.fingerprints.map((f) => f.type), ['icmp6_error'])
  })

  it('reads a VNC client version', () => {
    assert.deepEqual(ofLine('<134>1 2025-03-02T18:10:00.000000+00:00 vnc-01 vnc - version [relay@55555 src_ip="203.0.113.7" client_version="RFB 003.008"]').fingerprints.map((f) => [f.type, f.value]), [['vnc_client_version', 'RFB 003.008']])
  })

  it('bounds hostile values and keeps their whole hash as the identity', () => {
    const ua = `Mozilla/5.0 \u001b[2J\u0000${'A'.repeat(5000)}${"' or 1=1 --"}`
    const [f] = extractFingerprints('http', 'request', {headers: JSON.stringify({'User-Agent': ua})})
    assert.equal(f.value.length, MAX_VALUE)
    assert.equal(f.valueSha256, sha(ua.replace('\u0000', '\ufffd')), 'of the whole value as stored (no NUL: PostgreSQL text holds none)')
    assert.ok(f.value.startsWith('Mozilla/5.0 \u001b[2J\ufffdAAA'))
    assert.deepEqual(f.details, {category: 'browser', signals: ['suspicious_long', 'nonprintable', 'injection_like'], tool: null})
    assert.deepEqual(extractFingerprints('http', 'request', {headers: JSON.stringify({'user-agent': ''})}).map((x) => [x.type, x.value, x.details.category]), [
      ['http_useragent', '""', 'empty'], ['http_quirks', `${sha('user-agent').slice(0, 16)}:${sha('lower').slice(0, 16)}`, undefined],
    ])
    assert.deepEqual(extractFingerprints('http', 'request', {headers: '{not json'}), [])
    assert.deepEqual(extractFingerprints('http', 'request', {headers: 42}), [])
    assert.deepEqual(extractFingerprints('sniffer', 'tls_client_hello', {ja3: {not: 'text'}}), [])
  })
})

describe('fingerprints with a memory', () => {
  it('are those read without one, line after line, the remembered hashes included', () => {
    const memory = new LineFingerprints()
    const lines: Array<[string, string, Record<string, unknown>]> = [
      ['sniffer', 'tls_client_hello', {ja3: 'abc', ja4: 't13d', sni: 'x'}],
      ['sniffer', 'tls_client_hello', {ja3: 'abc', ja4: 't13d', sni: 'y'}],
      ['sniffer', 'ssh_client_banner', {ssh_version: `SSH-2.0-${'x'.repeat(600)}`}],
      ['sniffer', 'ssh_client_banner', {ssh_version: `SSH-2.0-${'x'.repeat(600)}`}],
      ['http', 'request', {headers: JSON.stringify({'User-Agent': 'curl/8.5.0'})}],
      ['http', 'request', {headers: JSON.stringify({'User-Agent': 'curl/8.5.0'})}],
      ['sniffer', 'ssh_client_banner', {ssh_version: 'curl/8.5.0'}],
    ]
    for (const [service, type, fields] of lines) {
      const remembered = extractFingerprints(service, type, fields, memory)
      assert.deepEqual(remembered, extractFingerprints(service, type, fields))
      for (const f of remembered) assert.equal(f.valueSha256, sha(f.value.length < MAX_VALUE ? f.value : String(fields.ssh_version)))
    }

    assert.equal(memory.sha256Of('abc'), sha('abc'))
    assert.equal(memory.sha256Of(`SSH-2.0-${'x'.repeat(600)}`), undefined, 'a long value is not remembered')
  })
})

describe('the User-Agent classifier', () => {
  const cases: Array<[string, string, null | string]> = [
    ['Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', 'scanner', 'nmap'],
    ['Mozilla/5.0 zgrab/0.x', 'scanner', 'zgrab'],
    ['Wget/1.21.4', 'cli', 'wget'],
    ['python-requests/2.31.0', 'library', 'python-requests'],
    ['Python-urllib/3.11', 'library', 'urllib'],
    ['Go-http-client/1.1', 'library', 'go-stdlib'],
    ['got (https://github.com/sindresorhus/got)', 'library', 'got'],
    ['Ruby', 'library', 'ruby-stdlib'],
    ['Rubyist/1', 'nonstandard', null],
    ['GuzzleHttp/7', 'library', 'guzzle'],
    ['Googlebot/2.1', 'bot', null],
    ['Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0', 'browser', null],
    ['dirbusters', 'nonstandard', null],
  ]
  for (const [ua, category, tool] of cases) {
    it(`${ua} -> ${category}${tool === null ? '' : ` ${tool}`}`, () => {
      const got = classifyUserAgent(ua)
      assert.equal(got.category, category)
      assert.equal(got.tool, tool)
    })
  }

  it('flags short, long, control bytes and injection', () => {
    assert.deepEqual(classifyUserAgent('x').signals, ['suspicious_short'])
    assert.deepEqual(classifyUserAgent('curl/8\ttab').signals, [])
    assert.deepEqual(classifyUserAgent('${jndi:ldap://x}').signals, ['injection_like'])
  })
})

describe('header quirks', () => {
  it('guesses the tool from the order and drops volatile names', () => {
    assert.equal(headerQuirks(['Host', 'User-Agent', 'Accept-Encoding', 'Accept', 'Connection', 'Cookie'])?.toolGuess, 'python-requests')
    assert.equal(headerQuirks(['host', 'user-agent', 'accept-encoding'])?.toolGuess, 'go-http-client')
    assert.equal(headerQuirks(['HOST', 'x-Custom'])?.casingCategory, 'mixed')
    assert.equal(headerQuirks(['Content-Length', 'Authorization']), null)
  })
})

describe('proxy-header claims', () => {
  it('takes the first header in DECNET\'s order that yields an address', () => {
    assert.deepEqual(proxyClaim([['x-real-ip', '192.168.1.5'], ['Forwarded', 'for="[2001:4860::8888]:443";proto=https']])?.claimed, '2001:4860::8888')
    assert.equal(proxyClaim([['Forwarded', 'for=unknown'], ['True-Client-IP', '"[::1]"']])?.claimed, '::1')
    assert.equal(proxyClaim([['X-Forwarded-For', 'junk, 9.9.9.9:8080']])?.claimed, '9.9.9.9')
    assert.equal(proxyClaim([['X-Forwarded-For', '  ']]), null)
    assert.equal(proxyClaim([['Host', '1.1.1.1']]), null)
  })

  it('categorises like Python\'s ipaddress', () => {
    const cases: Array<[string, string]> = [
      ['0.0.0.0', 'unspecified'], ['::', 'unspecified'], ['127.0.0.2', 'loopback'], ['::1', 'loopback'], ['169.254.1.1', 'link_local'],
      ['fe80::1', 'link_local'], ['239.1.1.1', 'multicast'], ['ff02::1', 'multicast'], ['250.1.1.1', 'reserved'], ['10.1.1.1', 'private'],
      ['203.0.113.9', 'private'], ['2001:db8::1', 'private'], ['fd00::1', 'private'], ['8.8.8.8', 'public'], ['2001:4860::8888', 'public'],
    ]
    for (const [ip, category] of cases) assert.equal(addressCategory(ip), category, ip)
  })
})

describe('headers as logged', () => {
  it('reads Python repr strings with escapes and both quotes', () => {
    assert.deepEqual(parsePythonDict(`{'a': 'x\\'y', "b": "q'\\x1b\\u00e9\\U0001F600", 'c': '\\\\'}`), [['a', "x'y"], ['b', "q'\u001b\u00e9😀"], ['c', '\\']])
    assert.equal(parsePythonDict(`{'a': 1}`), null)
    assert.equal(parsePythonDict(`{'a': 'x'`), null)
    assert.equal(parsePythonDict(`{'a': 'x'} trailing`), null)
    assert.deepEqual(parsePythonDict('{}'), [])
  })

  it('reads at most 100 headers', () => {
    const many = Object.fromEntries(Array.from({length: 500}, (_, i) => [`h${i}`, 'v']))
    assert.equal(readHeaders(JSON.stringify(many))?.length, 100)
  })
})
