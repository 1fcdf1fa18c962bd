import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, it} from 'node:test'

import {classifyAuth} from '../../../dist/logs/auth.js'
import {extractCommand} from '../../../dist/logs/command.js'
import {parseLine} from '../../../dist/logs/parse.js'
import {ProfilerSemantics} from '../../../dist/workers/profiler/semantics.js'

/** What the profiler must get: the plain src/logs answers, fields parsed every time. */
function reference(row) {
  const parsed = {...row, fields: JSON.parse(row.fields)}
  return {command: extractCommand(parsed), isAuth: classifyAuth(parsed) !== null}
}

const row = (event_type, fields, msg = null) => ({event_type, fields: JSON.stringify(fields), msg})

describe('ProfilerSemantics', () => {
  it('agrees with src/logs on every accepted line of the sample log', () => {
    const semantics = new ProfilerSemantics()
    const lines = readFileSync(new URL('../../../samples/decnet-sample.log', import.meta.url), 'utf8').split('\n')
    let compared = 0
    for (const text of lines) {
      const result = parseLine(text)
      if (!result.ok) continue
      const {eventType, fields, msg} = result.line
      const subject = {event_type: eventType, fields: JSON.stringify(fields), msg}
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
      row('redis_command', {command: 'INFO'}),
      row('sql_query', {sql: 'DROP TABLE x', query: ''}),
    ]
    for (const subject of cases) {
      // twice: the second answer comes from what the first one remembered
      assert.deepEqual(semantics.describe(subject), reference(subject), JSON.stringify(subject))
      assert.deepEqual(semantics.describe(subject), reference(subject), JSON.stringify(subject))
    }
  })
})
