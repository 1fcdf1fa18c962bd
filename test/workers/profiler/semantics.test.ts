import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'

import {activityOf} from '../../../src/logs/activity.js'
import {extractArtifact} from '../../../src/logs/artifact.js'
import {classifyAuth} from '../../../src/logs/auth.js'
import {COMMAND_EVENT_TYPES, COMMAND_FIELDS, extractCommand} from '../../../src/logs/command.js'
import {extractCredential} from '../../../src/logs/credential.js'
import {extractFingerprints, probedAttacker} from '../../../src/logs/fingerprints/extract-fingerprints.js'
import {parseLine} from '../../../src/logs/parse.js'
import type {LogRow} from '../../../src/db/schema.js'
import {BehaviorReader} from '../../../src/workers/profiler/behavior/behavior-signal.js'
import type {LineMeaning} from '../../../src/workers/profiler/fold.js'
import {ProfilerSemantics} from '../../../src/workers/profiler/semantics.js'

/** What the profiler must get: the plain src/logs answers, fields parsed every time. */
type Subject = Pick<LogRow, 'event_type' | 'fields' | 'msg'> & {service?: string}

function reference(row: Subject): LineMeaning {
  const fields = JSON.parse(row.fields) as Record<string, unknown>
  const parsed = {...row, fields}
  const activity = activityOf(row.service ?? 'any', row.event_type)
  const credential = extractCredential(fields)
  const artifact = extractArtifact(row.event_type, fields)
  const behavior = new BehaviorReader().read(row.event_type, fields)
  const fingerprints = row.service === undefined ? [] : extractFingerprints(row.service, row.event_type, fields)
  const probed = fingerprints.length === 0 || row.service === undefined ? null : probedAttacker(row.service, fields)
  return {
    ...(behavior === undefined ? {} : {behavior}),
    ...(artifact === null ? {} : {artifact}),
    command: extractCommand(parsed),
    isAuth: classifyAuth(parsed) !== null,
    ...(activity === 'noise' ? {} : {activity}),
    ...(credential === null ? {} : {credential}),
    ...(fingerprints.length === 0 ? {} : {fingerprints}),
    ...(probed === null ? {} : {probed}),
  }
}

const row = (event_type: string, fields: Record<string, unknown>, msg: string | null = null): Subject => ({event_type, fields: JSON.stringify(fields), msg})

describe('ProfilerSemantics', () => {
  it('agrees with src/logs on every accepted line of the sample log', () => {
    const semantics = new ProfilerSemantics()
    const lines = readFileSync(new URL('../../../samples/decnet-sample.log', import.meta.url), 'utf8').split('\n')
    let compared = 0
    for (const text of lines) {
      const result = parseLine(text)
      if (!result.ok) continue
      const {eventType, fields, msg, service} = result.line
      const subject = {event_type: eventType, fields: JSON.stringify(fields), msg, service}
      assert.deepEqual(semantics.describe(subject), reference(subject), text)
      compared++
    }

    assert.ok(compared >= 40, `compared ${compared} lines`)
  })

  it('agrees with src/logs on lines made to trip a shortcut', () => {
    const semantics = new ProfilerSemantics()
    const cases = [
      row('login_attempt', {success: 'true'}), // an attempt whatever the outcome
      row('login_attempt', {success: 'false'}),
      row('LOGIN-FAILED', {}),
      row('auth', {status: '200'}),
      row('logout', {}),
      row('request', {path: '/?command=id'}), // "command" only inside a value
      row('request', {note: '"command"'}),
      row('request', {command: 'id'}), // a command field on any event
      row('request', {cmd: '   '}),
      row('query', {query: 'select 1'}),
      row('query', {line: 'x'}, null),
      row('input', {}, 'ls -la'),
      row('exec', {}, 'CMD uid=0 user=root'),
      row('connect', {}, 'CMD uid=0 user=root src=192.0.2.1 pwd=/ cmd=id'),
      row('connect', {}, 'cmd=id'),
      row('shell_input', {input: ''}, 'whoami'),
      row('Shell-Input', {}, 'whoami'), // a command event type in another spelling
      row('Shell-Input', {}, null),
      row('redis_command', {command: 'INFO'}),
      row('sql_query', {sql: 'DROP TABLE x', query: ''}),
      row('auth_attempt', {principal: 'root', secret_b64: 'MTIzNDU2'}), // a credential
      row('auth_attempt', {principal: 'root', secret_b64: 'MTIzNDU2', command: 'id'}), // a credential and a command
      {event_type: 'auth', fields: '{"principal":"root","\\u0073ecret_b64":"MTIzNDU2"}', msg: null}, // a key spelt with an escape
      row('auth', {secret_b64: 'not base64'}),
      row('startup', {}), // noise
      {...row('tcp_syn_fingerprint', {secret_b64: 'eA=='}), service: 'sniffer'}, // infrastructure: noise, a credential all the same
      row('http_access', {bytes: '2000000'}), // a behaviour signal
      {...row('command', {command: 'id'}), service: '-'},
      {...row('session_recorded', {sid: 'x', service: 'ssh', duration_s: '1.5', bytes: '10', truncated: 'false'}), service: 'sessrec'},
      row('file_captured', {sha256: 'A'.repeat(64), size: '12', orig_path: '/tmp/\u001b[2Jx', writer_comm: 'wget', writer_pid: '-1'}),
      row('File-Captured', {secret_b64: 'eA=='}),
    ]
    for (const subject of cases) {
      // twice: the second answer comes from what the first one remembered
      assert.deepEqual(semantics.describe(subject), reference(subject), JSON.stringify(subject))
      assert.deepEqual(semantics.describe(subject), reference(subject), JSON.stringify(subject))
    }
  })

  it('finds a command hidden in every place a command can be', () => {
    const semantics = new ProfilerSemantics()
    const found = (subject: Subject, expected: string | null): void => {
      const label = JSON.stringify(subject)
      assert.equal(reference(subject).command, expected, `reference: ${label}`) // the case means what it says
      assert.deepEqual(semantics.describe(subject), reference(subject), label)
    }

    const spellings = (type: string): string[] => [type, type.toUpperCase(), type.replaceAll('_', '-'), type.replaceAll('_', '.')]
    const ip = {src_ip: '203.0.113.7', user_agent: 'x "y" \\ z'}
    for (const type of COMMAND_EVENT_TYPES) {
      for (const spelling of spellings(type)) {
        // every field that can hold the command, first or after other fields
        for (const field of COMMAND_FIELDS) {
          found(row(spelling, {[field]: 'uname -a'}), 'uname -a')
          found(row(spelling, {...ip, [field]: ' uname -a '}), 'uname -a')
        }

        // no field: the CMD form, then the message itself
        found(row(spelling, ip, 'CMD uid=0 user=root src=203.0.113.7 pwd=/root cmd=id -u'), 'id -u')
        found(row(spelling, ip, 'cat /etc/passwd'), 'cat /etc/passwd')
      }
    }

    for (const type of ['request', 'login_failed', 'connection', 'LOGIN-SUCCESS', '-']) {
      // on any event: the unambiguous fields and the CMD form, not the vague fields
      found(row(type, {...ip, command: 'uname -a'}), 'uname -a')
      found(row(type, {...ip, cmd: 'whoami'}), 'whoami')
      for (const field of COMMAND_FIELDS.filter((name) => name !== 'command' && name !== 'cmd')) found(row(type, {...ip, [field]: 'x'}), null)
      found(row(type, ip, 'CMD uid=0 user=root src=203.0.113.7 pwd=/root cmd=uname -a'), 'uname -a')
      found(row(type, ip, '  CMD user=root cmd=ls  '), 'ls')
      // a key spelled with an escape is the same key once parsed
      found({event_type: type, fields: '{"src_ip":"203.0.113.7","\\u0063md":"id"}', msg: null}, 'id')
      found({event_type: type, fields: '{"\\u0063ommand":"id"}', msg: null}, 'id')
    }
  })
})
