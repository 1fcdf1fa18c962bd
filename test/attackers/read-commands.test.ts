// The commands `decnet attackers` shows: the profiler's batches, merged per attacker, in time order.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {AttackerCommand} from '../../src/attackers/attacker-profile.js'
import {readCommands} from '../../src/attackers/read-commands.js'
import {commandBatch, type LoggedCommand} from '../../src/db/bulk/command-batches.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../helpers/databases.js'

const A = '203.0.113.7'
const B = '198.51.100.2'

function command(logId: number, timestamp: string, decky: string, text: string): LoggedCommand {
  return {command: text, decky, log_id: logId, service: 'telnet', timestamp}
}

for (const kind of DATABASE_KINDS) {
  describe(`readCommands (${kind})`, {skip: skipReason(kind)}, () => {
    it('lists each command once, in time order, then log order', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const uname = command(1, '2026-11-01T00:00:03Z', 'decky-01', 'uname -a')
      const id = command(2, '2026-11-01T00:00:01Z', 'decky-02', 'id')
      const w = command(4, '2026-11-01T00:00:03Z', 'decky-01', 'w')
      // a replay after only `attackers` was cleared stored line 2 in two batches of A
      await db
        .insertInto('attacker_command_batches')
        .values([commandBatch(A, [uname, id]), commandBatch(A, [id, w]), commandBatch(B, [command(3, '2026-11-01T00:00:02Z', 'decky-03', 'ps')])])
        .execute()

      const commands = await readCommands(db, [A, B, '192.0.2.1'])
      const shown = ({command: text, decky, service, timestamp}: LoggedCommand): AttackerCommand => ({timestamp, decky, service, command: text})
      assert.deepEqual(commands.get(A), [shown(id), shown(uname), shown(w)])
      assert.deepEqual(commands.get(B), [{timestamp: '2026-11-01T00:00:02Z', decky: 'decky-03', service: 'telnet', command: 'ps'}])
      assert.equal(commands.has('192.0.2.1'), false, 'an attacker without commands has no entry')
    })
  })
}
