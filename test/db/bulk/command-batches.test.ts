// The JSON text of an attacker_command_batches row: what a tick writes is what a reader gets back.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {batchCommands, commandBatch, type LoggedCommand} from '../../../src/db/bulk/command-batches.js'

describe('command batches', () => {
  it('keeps every command exactly: quotes, backslashes, control characters, non-ASCII, astral characters', () => {
    const at = (logId: number, command: string, decky = 'decky-01'): LoggedCommand => ({command, decky, log_id: logId, service: 'ssh', timestamp: `2026-11-26T10:00:0${logId % 10}Z`})
    const commands = [
      at(7, 'echo "a\\"b" > /tmp/x'),
      at(8, 'printf \'\\x1b[31m\'\ttab\u0001\u001f', 'décky "quoted"'),
      at(10, ''),
      at(9_007_199_254_740_991, 'ls répertoire \u{1F600} \uFEFF'),
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
    for (const commands of ['not json', '{"a":1}', '[[1,"t","d","s"]]', '[["1","t","d","s","id"]]', '[[1.5,"t","d","s","id"]]', '[[1,"t","d","s",2]]']) {
      assert.throws(
        () => batchCommands({commands, first_log_id: 1, ip: '203.0.113.7'}),
        (error: Error) => error.message.includes('attacker_command_batches row (203.0.113.7, 1)') && error.message.includes('[[logId, timestamp, decky, service, command], ...]'),
        commands,
      )
    }
  })
})
