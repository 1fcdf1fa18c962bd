import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {describe, test} from 'node:test'

import {MAX_LINE_BYTES, type ParsedLine, parseLine} from '../../src/logs/parse.js'
import {normaliseTimestamp} from '../../src/logs/timestamp.js'

const ok = (line: string): ParsedLine => {
  const result = parseLine(line)
  assert.ok(result.ok, `expected acceptance, got: ${result.ok ? '' : result.reason}`)
  return result.line
}

const rejected = (line: string): string => {
  const result = parseLine(line)
  assert.ok(!result.ok, `expected a rejection of ${JSON.stringify(line)}`)
  return result.reason
}

describe('parseLine: accepted forms', () => {
  test('a DECNET line: header fields, relay@55555 params, message', () => {
    const line = ok('<38>1 2026-11-26T13:32:51.123Z decky-01 ssh 2211 login_failed [relay@55555 src_ip="203.0.113.7" username="root"] Failed password for root')
    assert.deepEqual(line, {
      priority: 38,
      timestamp: '2026-11-26T13:32:51.123Z',
      decky: 'decky-01',
      service: 'ssh',
      procId: '2211',
      eventType: 'login_failed',
      fields: {src_ip: '203.0.113.7', username: 'root'},
      msg: 'Failed password for root',
      attackerIp: '203.0.113.7',
    })
  })

  test('RFC 5424 escapes in param values: \\" \\\\ \\] (and a backslash before anything else stays)', () => {
    const line = ok(String.raw`<38>1 2026-11-26T13:32:51Z d ssh - command [relay@55555 command="echo \"a]\" \\ \] \n done" ip="192.0.2.1"]`)
    assert.equal(line.fields.command, String.raw`echo "a]" \ ] \n done`)
    assert.equal(line.fields.ip, '192.0.2.1')
    assert.equal(line.msg, null)
  })

  test('an escaped quote at the very end of a value, and an escaped backslash before the closing quote', () => {
    assert.equal(ok(String.raw`<38>1 2026-11-26T13:32:51Z d s - e [relay@55555 a="x\"" b="y\\"]`).fields.a, 'x"')
    assert.equal(ok(String.raw`<38>1 2026-11-26T13:32:51Z d s - e [relay@55555 a="x\"" b="y\\"]`).fields.b, 'y\\')
  })

  test('several SD elements in a row: other elements are kept as SD-ID.NAME, relay params as they are', () => {
    const line = ok('<38>1 2026-11-26T13:39:51.403024+00:00 vm sshd - login_failed [timeQuality tzKnown="1" isSynced="1" syncAccuracy="218500"][relay@55555 src_ip="203.0.113.7"] hello')
    assert.deepEqual(line.fields, {'timeQuality.tzKnown': '1', 'timeQuality.isSynced': '1', 'timeQuality.syncAccuracy': '218500', src_ip: '203.0.113.7'})
    assert.equal(line.msg, 'hello')
  })

  test('an element with no params, and the first value of a repeated name wins', () => {
    const line = ok('<38>1 2026-11-26T13:39:51Z d s - e [origin][relay@55555 src_ip="192.0.2.1" src_ip="192.0.2.2"]')
    assert.deepEqual(line.fields, {src_ip: '192.0.2.1'})
  })

  test('param names that would touch Object.prototype are plain fields', () => {
    const line = ok('<38>1 2026-11-26T13:39:51Z d s - e [relay@55555 __proto__="x" constructor="y"]')
    assert.equal(Object.getPrototypeOf(line.fields), Object.prototype)
    assert.equal(JSON.stringify(line.fields), '{"__proto__":"x","constructor":"y"}')
  })

  test('NILVALUE in every header field and as SD', () => {
    const line = ok('<0>1 - - - - - -')
    assert.deepEqual(line, {priority: 0, timestamp: null, decky: '-', service: '-', procId: '-', eventType: '-', fields: {}, msg: null, attackerIp: null})
  })

  test('NILVALUE SD followed by a message', () => {
    const line = ok('<38>1 2026-11-26T13:39:51Z decky-05 sshd 977 login_failed - Failed password for root from 192.0.2.44 port 51201 ssh2')
    assert.deepEqual(line.fields, {})
    assert.equal(line.msg, 'Failed password for root from 192.0.2.44 port 51201 ssh2')
    assert.equal(line.attackerIp, '192.0.2.44')
  })

  test('a BOM before the message is dropped', () => {
    assert.equal(ok('<38>1 2026-11-26T13:39:51Z d s - e - \uFEFFInvalid user test from 192.0.2.44').msg, 'Invalid user test from 192.0.2.44')
  })

  test('a line ending right after SD, or after SD and one space, has no message', () => {
    assert.equal(ok('<38>1 2026-11-26T13:39:51Z d s - e [relay@55555 a="b"]').msg, null)
    assert.equal(ok('<38>1 2026-11-26T13:39:51Z d s - e - ').msg, null)
  })

  test('the SSH shell-command form: CMD key=value pairs, cmd to the end of the line', () => {
    const line = ok('<86>1 2026-11-26T13:39:51Z decky-01 ssh 2211 command - CMD uid=0 user=root src=203.0.113.7 pwd=/root cmd=uname -a; echo "x=1"  ')
    assert.deepEqual(line.fields, {uid: '0', user: 'root', src: '203.0.113.7', pwd: '/root', cmd: 'uname -a; echo "x=1"'})
    assert.equal(line.eventType, 'command')
    assert.equal(line.attackerIp, '203.0.113.7')
  })

  test('CMD form: quoted values, stray words, no cmd at all', () => {
    const line = ok('<86>1 2026-11-26T13:39:51Z d ssh - command - CMD pwd="/tmp/my dir" stray uid=0 cmd=ls')
    assert.deepEqual(line.fields, {pwd: '/tmp/my dir', uid: '0', cmd: 'ls'})
    assert.deepEqual(ok('<86>1 2026-11-26T13:39:51Z d ssh - command - CMD uid=0').fields, {uid: '0'})
  })

  test('CMD form next to a relay element: SD params win on a clash', () => {
    const line = ok('<86>1 2026-11-26T13:39:51Z d ssh - command [relay@55555 src="192.0.2.9"] CMD src=203.0.113.7 cmd=id')
    assert.deepEqual(line.fields, {src: '192.0.2.9', cmd: 'id'})
  })

  test("a double-wrapped bash line (rsyslog's header around the logger line): the inner line, on the wrapper's decky", () => {
    const wrapped = '<14>1 2025-03-02T10:16:01.002400+00:00 db-02 1 - - -  2025-03-02T10:16:01.002311+00:00 SRV-DEV-36 bash - command [timeQuality tzKnown="1" isSynced="1"] CMD uid=0 user=root src=198.51.100.23 pwd=/root cmd=uname -a'
    assert.deepEqual(ok(wrapped), {
      priority: 14,
      timestamp: '2025-03-02T10:16:01.002Z',
      decky: 'db-02', // the wrapper's HOSTNAME (NODE_NAME), not the container's cosmetic SRV-DEV-36
      service: 'bash',
      procId: '-',
      eventType: 'command',
      fields: {'timeQuality.tzKnown': '1', 'timeQuality.isSynced': '1', uid: '0', user: 'root', src: '198.51.100.23', pwd: '/root', cmd: 'uname -a'},
      msg: 'CMD uid=0 user=root src=198.51.100.23 pwd=/root cmd=uname -a',
      attackerIp: '198.51.100.23',
    })
    // unwrapped once only; a message that is not a line, or a wrapper with a MSGID or SD, stays as it is
    assert.equal(ok('<14>1 2025-03-02T10:16:01Z db-02 1 - - - 2025-03-02T10:16:01Z a 1 - - - 2025-03-02T10:16:01Z b bash - command - CMD cmd=id').decky, 'db-02')
    assert.equal(ok('<14>1 2025-03-02T10:16:01Z db-02 1 - - - 2025-03-02T10:16:01Z a 1 - - - 2025-03-02T10:16:01Z b bash - command - CMD cmd=id').service, '1')
    assert.equal(ok('<14>1 2025-03-02T10:16:01Z db-02 1 - - - 2025-03-02 was a Sunday').service, '1')
    assert.equal(ok('<14>1 2025-03-02T10:16:01Z db-02 1 - - - 2025-03-02T10:16:01Z').service, '1')
    assert.equal(ok('<14>1 2025-03-02T10:16:01Z db-02 1 - x - 2025-03-02T10:16:01Z h bash - command - CMD cmd=id').service, '1')
    assert.equal(ok('<14>1 2025-03-02T10:16:01Z db-02 1 - - [a b="c"] 2025-03-02T10:16:01Z h bash - command - CMD cmd=id').service, '1')
  })

  test('IPv6 attackers: canonical lower-case form', () => {
    assert.equal(ok('<38>1 2026-11-26T13:39:51Z d s - e [relay@55555 src_ip="2001:DB8:0:0::BAD:CAFE"]').attackerIp, '2001:db8::bad:cafe')
    assert.equal(ok('<38>1 2026-11-26T13:39:51Z d s - e - connection from 2001:db8::1 port 22').attackerIp, '2001:db8::1')
  })

  test('a non-ASCII message survives', () => {
    assert.equal(ok('<38>1 2026-11-26T13:39:51Z d s - e - пароль: 密码 🙂').msg, 'пароль: 密码 🙂')
  })
})

describe('parseLine: rejections carry a specific reason', () => {
  const cases = [
    ['', 'empty line'],
    ['hello', 'missing PRI (the line does not start with "<")'],
    ['<>1 - - - - - -', 'bad PRI "<>1 - "'],
    ['<3a>1 - - - - - -', 'bad PRI "<3a>"'],
    ['<1234>1 - - - - - -', 'bad PRI "<1234>"'],
    ['<192>1 - - - - - -', 'bad PRI "<192>" (more than 191)'],
    ['<38>2 - - - - - -', 'unsupported version 2'],
    ['<38>Nov 26 13:32:51 host sshd[1]: x', 'not RFC 5424: no version after PRI (RFC 3164 lines are not supported)'],
    ['<38>1', 'truncated header: no TIMESTAMP'],
    ['<38>1 2026-11-26T13:32:51Z d s -', 'truncated header: nothing after PROCID'],
    ['<38>1 2026-11-26T13:32:51Z d s - e', 'truncated header: nothing after MSGID'],
    ['<38>1 2026-11-26T13:32:51Z d  - e -', 'empty APP-NAME (two spaces in a row)'],
    ['<38>1 2026-11-26T13:32:51Z d s - e ', 'truncated header: no STRUCTURED-DATA'],
    ['<38>1 Nov-26 d s - e -', 'bad timestamp "Nov-26"'],
    ['<38>1 2026-02-30T13:32:51Z d s - e -', 'bad timestamp "2026-02-30T13:32:51Z"'],
    ['<38>1 2026-11-26T24:00:00Z d s - e -', 'bad timestamp "2026-11-26T24:00:00Z"'],
    ['<38>1 2026-11-26T13:32:51 d s - e -', 'bad timestamp "2026-11-26T13:32:51"'],
    ['<38>1 2026-11-26T13:32:51+0100 d s - e -', 'bad timestamp "2026-11-26T13:32:51+0100"'],
    ['<38>1 2026-11-26T13:32:51.Z d s - e -', 'bad timestamp "2026-11-26T13:32:51.Z"'],
    ['<38>1 2026-11-26T13:32:51Z d s - e x', 'bad STRUCTURED-DATA: expected "-" or "[", got "x"'],
    ['<38>1 2026-11-26T13:32:51Z d s - e [relay@55555 a="b"', 'unterminated SD element'],
    ['<38>1 2026-11-26T13:32:51Z d s - e [relay@55555 a="b] msg', 'unterminated SD element'],
    ['<38>1 2026-11-26T13:32:51Z d s - e [relay@55555', 'unterminated SD element'],
    ['<38>1 2026-11-26T13:32:51Z d s - e [relay@55555 a="b\\"]', 'unterminated SD element'],
    ['<38>1 2026-11-26T13:32:51Z d s - e [relay@55555 a=b]', 'bad SD param "a" in "relay@55555": expected ="VALUE"'],
    ['<38>1 2026-11-26T13:32:51Z d s - e [ a="b"]', 'bad SD element: no SD-ID at column 37'],
    ['<38>1 2026-11-26T13:32:51Z d s - e [relay@55555 a="b"x]', 'bad SD element "relay@55555": unexpected "x" at column 54'],
    ['<38>1 2026-11-26T13:32:51Z d s - e [relay@55555 a="b"]x', 'bad STRUCTURED-DATA: unexpected "x" at column 55'],
    ['<38>1 2026-11-26T13:32:51Z d s - e -x', 'bad STRUCTURED-DATA: unexpected "x" at column 37'],
  ]
  for (const [line, reason] of cases) {
    test(`${JSON.stringify(line)} -> ${reason}`, () => assert.equal(rejected(line), reason))
  }

  test('a line over the limit', () => {
    const line = `<38>1 2026-11-26T13:32:51Z d s - e - ${'x'.repeat(MAX_LINE_BYTES)}`
    assert.equal(rejected(line), `line too long (${Buffer.byteLength(line)} bytes, max ${MAX_LINE_BYTES})`)
  })

  test('the limit counts bytes, not characters', () => {
    const line = `<38>1 2026-11-26T13:32:51Z d s - e - ${'é'.repeat(MAX_LINE_BYTES / 2)}`
    assert.match(rejected(line), /^line too long \(\d+ bytes, max 65536\)$/)
  })
})

describe('normaliseTimestamp', () => {
  const cases = [
    ['2026-11-26T13:32:51Z', '2026-11-26T13:32:51.000Z'],
    ['2026-11-26T13:32:51.5Z', '2026-11-26T13:32:51.500Z'],
    ['2026-11-26T13:32:51.12Z', '2026-11-26T13:32:51.120Z'],
    ['2026-11-26T13:32:51.123456Z', '2026-11-26T13:32:51.123Z'],
    ['2026-11-26T13:32:51.999999+00:00', '2026-11-26T13:32:51.999Z'],
    ['2026-11-26T13:32:51.25+01:00', '2026-11-26T12:32:51.250Z'],
    ['2026-11-26T23:32:51-05:30', '2026-11-27T05:02:51.000Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00.000Z'],
    ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['2026-11-26t13:32:51z', '2026-11-26T13:32:51.000Z'],
  ]
  for (const [input, expected] of cases) test(`${input} -> ${expected}`, () => assert.equal(normaliseTimestamp(input), expected))
  for (const bad of ['2027-02-29T12:00:00Z', '2026-11-26T13:60:00Z', '2026-11-26T13:32:51+24:00', '2026-11-26T13:32:51.1234567890Z', '2026-11-26 13:32:51Z', '0099-01-01T00:00:00Z']) {
    test(`${bad} -> null`, () => assert.equal(normaliseTimestamp(bad), null))
  }
})

test('real util-linux `logger --rfc5424` output parses', (t) => {
  const args = ['--rfc5424', '--stderr', '--no-act', '--socket-errors=off', '-t', 'sshd', '-p', 'auth.info', '--msgid', 'login_failed',
    '--sd-id', 'relay@55555', '--sd-param', 'src_ip="203.0.113.7"', '--sd-param', 'username="ro\\"ot"', 'Failed password for root from 203.0.113.7 port 4242 ssh2']
  const run = spawnSync('logger', args, {encoding: 'utf8'})
  if (run.error && 'code' in run.error && run.error.code === 'ENOENT') return t.skip('util-linux logger is not installed')
  const raw = run.stderr.trim().split('\n').find((l) => l.startsWith('<'))
  assert.ok(raw, `logger printed no line: ${run.stderr}`)
  const line = ok(raw)
  assert.equal(line.priority, 38)
  assert.equal(line.service, 'sshd')
  assert.equal(line.eventType, 'login_failed')
  assert.equal(line.fields.src_ip, '203.0.113.7')
  assert.equal(line.fields.username, 'ro"ot')
  assert.equal(line.fields['timeQuality.tzKnown'], '1')
  assert.equal(line.attackerIp, '203.0.113.7')
  assert.match(line.timestamp ?? 'null', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  assert.equal(line.msg, 'Failed password for root from 203.0.113.7 port 4242 ssh2')
})
