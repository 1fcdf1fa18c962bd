import assert from 'node:assert/strict'
import {describe, it, type TestContext} from 'node:test'

import {DATABASE_KINDS, skipReason, type DatabaseKind} from '../helpers/databases.js'
import {profiledLog, runShow as decnet} from '../helpers/profiled-log.js'

const HOSTILE_UA = 'Mozilla/5.0 \\u001b]0;pwned\\u0007\\u001b[2J'
/** DECNET's wire format (DECNET-EVENTS.md §1.3, §1.12, §1.13), as a decky and the host's sniffer and prober send it. */
const LINES = [
  '<134>1 2025-03-02T10:40:01.099800+00:00 web-01 http - http_request_fingerprint [relay@55555 remote_addr="203.0.113.7:51544" proto="h1" method="POST" path="/wp-login.php" ja4h="PO11nn0000_03_6f1ed002ab55_000000000000" headers_ordered="[\\"host\\", \\"user-agent\\", \\"content-type\\"]" cookie="" accept_language=""]',
  '<134>1 2025-03-02T10:40:01.100200+00:00 web-01 http - request [relay@55555 method="POST" path="/wp-login.php" remote_addr="203.0.113.7" headers="{\\"Host\\": \\"web-01\\", \\"User-Agent\\": \\"curl/8.5.0\\", \\"Content-Type\\": \\"application/x-www-form-urlencoded\\"}" body="log=admin&pwd=hunter2"]',
  '<134>1 2025-03-02T10:41:01.100200+00:00 web-01 http - request [relay@55555 method="GET" path="/admin" remote_addr="203.0.113.7" headers="{\\"Host\\": \\"web-01\\", \\"User-Agent\\": \\"curl/8.5.0\\", \\"X-Forwarded-For\\": \\"127.0.0.1\\"}" body=""]',
  `<134>1 2025-03-02T10:42:01.100200+00:00 web-01 http - request [relay@55555 method="GET" path="/" remote_addr="203.0.113.7" headers="{\\"User-Agent\\": \\"${HOSTILE_UA}\\"}" body=""]`,
  '<134>1 2025-03-02T17:00:03.000000+00:00 ssh-01 sniffer - ssh_client_banner [relay@55555 src_ip="203.0.113.7" src_port="40200" dst_ip="10.0.0.22" dst_port="22" ssh_version="SSH-2.0-libssh2_1.10.0"]',
  '<134>1 2025-03-02T18:00:00.000000+00:00 decnet-prober prober - hassh_fingerprint [relay@55555 target_ip="203.0.113.7" target_port="22" hassh_server_hash="b12d2871a1189eff20364cf5333619ee" ssh_banner="SSH-2.0-OpenSSH_8.9p1" kex_algorithms="curve25519-sha256,ecdh-sha2-nistp256" encryption_s2c="aes128-ctr" mac_s2c="hmac-sha2-256" compression_s2c="none"] HASSH 203.0.113.7:22 = b12d2871a1189eff20364cf5333619ee',
  '<134>1 2025-03-02T10:39:00.000000+00:00 ssh-01 ssh - connect [relay@55555 src_ip="198.51.100.20" src_port="50000"]',
]

async function profiled(t: TestContext, kind: DatabaseKind): Promise<string> {
  return profiledLog(t, kind, `${LINES.join('\n')}\n`)
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet attackers show: fingerprints (${kind})`, {skip: skipReason(kind)}, () => {
    it('carries them in --json, family by family, with counts and event times, the prober\'s filed under its target', async (t) => {
      const url = await profiled(t, kind)
      const shown = await decnet(t, ['attackers', 'show', '203.0.113.7', '--json', '--db', url])
      assert.equal(shown.code, 0, shown.stderr)
      const profile = JSON.parse(shown.stdout) as {eventCount: number; deckies: string[]; fingerprintCount: number; fingerprints: Array<{count: number; details: Record<string, unknown>; firstSeen: string; lastSeen: string; type: string; value: string}>}
      assert.deepEqual(profile.deckies, ['web-01', 'ssh-01'], 'the prober is no decky of the attacker')
      assert.equal(profile.eventCount, 5)
      assert.deepEqual(profile.fingerprints.map((f) => [f.type, f.value, f.count]), [
        ['http_useragent', 'curl/8.5.0', 2],
        ['http_useragent', 'Mozilla/5.0 \u001b]0;pwned\u0007\u001b[2J', 1],
        ['http_quirks', profile.fingerprints[2].value, 1],
        ['http_quirks', profile.fingerprints[3].value, 1],
        ['http_quirks', profile.fingerprints[4].value, 1],
        ['ja4h_decnet', 'PO11nn0000_03_6f1ed002ab55_000000000000', 1],
        ['hassh_server', 'b12d2871a1189eff20364cf5333619ee', 1],
        ['kex_order', 'curve25519-sha256,ecdh-sha2-nistp256', 1],
        ['ssh_client_banner', 'SSH-2.0-libssh2_1.10.0', 1],
        ['spoofed_source', '127.0.0.1', 1],
      ])
      assert.equal(profile.fingerprintCount, 10)
      const curl = profile.fingerprints[0]
      assert.deepEqual(curl, {type: 'http_useragent', value: 'curl/8.5.0', count: 2, firstSeen: '2025-03-02T10:40:01.100Z', lastSeen: '2025-03-02T10:41:01.100Z', details: {category: 'cli', signals: [], tool: 'curl'}})
      assert.deepEqual(Object.keys(curl), ['type', 'value', 'count', 'firstSeen', 'lastSeen', 'details'])
      assert.deepEqual(profile.fingerprints.find((f) => f.type === 'spoofed_source')?.details, {category: 'loopback', header: 'X-Forwarded-For', headersSeen: {'X-Forwarded-For': '127.0.0.1'}})
    })

    it('prints a fingerprints section with hostile text escaped, and none for an attacker without', async (t) => {
      const url = await profiled(t, kind)
      const shown = await decnet(t, ['attackers', 'show', '203.0.113.7', '--db', url])
      assert.equal(shown.code, 0, shown.stderr)
      assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(shown.stdout), 'no control byte reaches the terminal')
      assert.match(shown.stdout, /^ {2}fingerprints {3}10$/m)
      assert.match(shown.stdout, /^ {4}TYPE\s+VALUE\s+COUNT\s+LAST SEEN\s+DETAILS$/m)
      assert.match(shown.stdout, /^ {4}http_useragent\s+curl\/8\.5\.0\s+2\s+2025-03-02 10:41:01Z\s+cli curl$/m)
      assert.match(shown.stdout, /Mozilla\/5\.0 \\x1b\]0;pwned\\x07\\x1b\[2J/)
      assert.match(shown.stdout, /^ {4}spoofed_source\s+127\.0\.0\.1\s+1\s+\S+ \S+\s+X-Forwarded-For \(loopback\)$/m)
      assert.ok(shown.stdout.indexOf('fingerprints') < shown.stdout.indexOf('  commands'), 'before the commands')
      const other = await decnet(t, ['attackers', 'show', '198.51.100.20', '--db', url])
      assert.equal(other.code, 0, other.stderr)
      assert.ok(!other.stdout.includes('fingerprints'))
    })
  })
}
