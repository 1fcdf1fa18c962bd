// The JSON text of an attacker_command_batches row: what a tick writes is what a reader gets back.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {batchCommands, commandBatch} from '../../dist/db/command-batches.js'

describe('command batches', () => {
  it('keeps every command exactly: quotes, backslashes, control characters, non-ASCII, astral characters', () => {
    const commands = [
      {command: 'echo "a\\"b" > /tmp/x', log_id: 7},
      {command: 'printf \'\\x1b[31m\'\ttab\u0001\u001f', log_id: 8},
      {command: '', log_id: 10},
      {command: 'ls répertoire \u{1F600} \uFEFF', log_id: 9_007_199_254_740_991},
    ]
    const batch = commandBatch('203.0.113.7', commands)
    assert.equal(batch.ip, '203.0.113.7')
    assert.equal(batch.first_log_id, 7)
    assert.equal(batch.last_log_id, 9_007_199_254_740_991)
    assert.deepEqual(batchCommands(batch), commands)
  })

  it('refuses to make a batch of nothing', () => {
    assert.throws(() => commandBatch('203.0.113.7', []), /no commands to batch for attacker 203\.0\.113\.7/)
  })

  it('a stored text that is not a batch is an error naming its row', () => {
    for (const commands of ['not json', '{"a":1}', '[[1]]', '[["1","id"]]', '[[1.5,"id"]]', '[[1,2]]']) {
      assert.throws(
        () => batchCommands({commands, first_log_id: 1, ip: '203.0.113.7'}),
        (error) => error.message.includes('attacker_command_batches row (203.0.113.7, 1)') && error.message.includes('[[logId, command], ...]'),
        commands,
      )
    }
  })
})
