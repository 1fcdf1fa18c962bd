// Bounded reads of commands: the latest N per attacker with the count of all, and one attacker's commands a page at a time.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {AttackerCommand} from '../../src/attackers/attacker-profile.js'
import {readCommands} from '../../src/attackers/read-commands.js'
import {readRecentCommands, streamCommands} from '../../src/attackers/read-recent-commands.js'
import {commandBatch, type LoggedCommand} from '../../src/db/bulk/command-batches.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../helpers/databases.js'

const A = '203.0.113.7'
const B = '198.51.100.2'

function command(logId: number, second: number, text: string): LoggedCommand {
  return {command: text, decky: 'decky-01', log_id: logId, service: 'ssh', timestamp: `2026-11-01T00:00:${String(second).padStart(2, '0')}Z`}
}

const shown = ({command: text, decky, service, timestamp}: LoggedCommand): AttackerCommand => ({timestamp, decky, service, command: text})

for (const kind of DATABASE_KINDS) {
  describe(`readRecentCommands and streamCommands (${kind})`, {skip: skipReason(kind)}, () => {
    it('carries the latest N in time order and counts every line once, replays included', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      // 30 commands of A in three batches, logged out of time order; line 12 also in a replayed batch
      const all = Array.from({length: 30}, (_, i) => command(i + 1, (i * 11) % 30, `cmd ${i + 1} ${'x'.repeat(1000)}`))
      await db
        .insertInto('attacker_command_batches')
        .values([commandBatch(A, all.slice(0, 10)), commandBatch(A, all.slice(10, 20)), commandBatch(A, all.slice(20)), commandBatch(A, [all[11]]), commandBatch(B, [command(40, 1, 'id')])])
        .execute()
      const inTimeOrder = [...all].sort((x, y) => (x.timestamp < y.timestamp ? -1 : x.timestamp > y.timestamp ? 1 : x.log_id - y.log_id)).map(shown)

      const recent = await readRecentCommands(db, [A, B, '192.0.2.1'], 5)
      assert.deepEqual(recent.get(A), {commands: inTimeOrder.slice(-5), count: 30})
      assert.deepEqual(recent.get(B), {commands: [shown(command(40, 1, 'id'))], count: 1})
      assert.equal(recent.has('192.0.2.1'), false)
      assert.deepEqual((await readRecentCommands(db, [A], 0)).get(A), {commands: [], count: 30}, 'none carried, still counted')

      const streamed: AttackerCommand[] = []
      for await (const c of streamCommands(db, A, 7)) streamed.push(c)
      assert.deepEqual(streamed, inTimeOrder, 'every command once, in time order, across pages of 7')
      // the SQL readers are pinned to the plain one, which decodes the batches in JavaScript
      const plain = await readCommands(db, [A, B])
      assert.deepEqual(streamed, plain.get(A))
      assert.deepEqual(recent.get(A)?.commands, plain.get(A)?.slice(-5))
      assert.equal(recent.get(A)?.count, plain.get(A)?.length)
    })
  })
}
