// The commands `decnet attackers` shows: the profiler's batches, with time, decky and service from logs.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {readCommands} from '../../dist/attackers/read-commands.js'
import {commandBatch} from '../../dist/db/command-batches.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../helpers/databases.js'

const A = '203.0.113.7'
const B = '198.51.100.2'

function logLine(ip, timestamp, decky) {
  return {attacker_ip: ip, decky, event_type: 'command', fields: '{}', msg: null, raw_line: `line of ${ip} at ${timestamp}`, service: 'telnet', timestamp}
}

for (const kind of DATABASE_KINDS) {
  describe(`readCommands (${kind})`, {skip: skipReason(kind)}, () => {
    it('lists each command once, in time order, with its line\'s time, decky and service', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const ids = []
      for (const line of [logLine(A, '2026-11-01T00:00:03Z', 'decky-01'), logLine(A, '2026-11-01T00:00:01Z', 'decky-02'), logLine(B, '2026-11-01T00:00:02Z', 'decky-03')]) {
        const {id} = await db.insertInto('logs').values(line).returning('id').executeTakeFirstOrThrow()
        ids.push(Number(id))
      }

      // a partial replay stored line ids[1] in two batches of A
      await db
        .insertInto('attacker_command_batches')
        .values([
          commandBatch(A, [{command: 'uname -a', log_id: ids[0]}, {command: 'id', log_id: ids[1]}]),
          commandBatch(A, [{command: 'id', log_id: ids[1]}]),
          commandBatch(B, [{command: 'w', log_id: ids[2]}]),
        ])
        .execute()

      const commands = await readCommands(db, [A, B, '192.0.2.1'])
      assert.deepEqual(commands.get(A), [
        {timestamp: '2026-11-01T00:00:01Z', decky: 'decky-02', service: 'telnet', command: 'id'},
        {timestamp: '2026-11-01T00:00:03Z', decky: 'decky-01', service: 'telnet', command: 'uname -a'},
      ])
      assert.deepEqual(commands.get(B), [{timestamp: '2026-11-01T00:00:02Z', decky: 'decky-03', service: 'telnet', command: 'w'}])
      assert.equal(commands.has('192.0.2.1'), false, 'an attacker without commands has no entry')
    })
  })
}
