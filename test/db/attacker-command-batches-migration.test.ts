// Migration 0006: one attacker_commands row per command becomes one attacker_command_batches row
// per attacker and tick; an upgraded database keeps every command, and `down` gives the rows back.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Insertable, Kysely} from 'kysely'

import {findAttacker} from '../../src/attackers/read-attackers.js'
import {batchCommands} from '../../src/db/bulk/command-batches.js'
import type {AttackersTable, Database, NewLog} from '../../src/db/schema.js'
import {DATABASE_KINDS, databaseAtMigration, migrator, skipReason} from '../helpers/databases.js'

const A = '203.0.113.7'
const B = '2001:db8::7'

/** A row of attacker_commands, the table 0001 made and 0006 replaces (no longer in schema.ts). */
interface OldCommandRow {
  command: string
  decky: string
  ip: string
  log_id: number
  service: string
  timestamp: string
}

type OldDatabase = Database & {attacker_commands: OldCommandRow}

const withOldTables = (db: Kysely<Database>): Kysely<OldDatabase> => db.withTables<{attacker_commands: OldCommandRow}>()

function logLine(id: number, ip: string, timestamp: string, decky: string, command: string): NewLog & {attacker_ip: string; fields: string; id: number} {
  return {
    attacker_ip: ip, decky, event_type: 'command', fields: JSON.stringify({command}), id, msg: null,
    raw_line: `<13>1 ${timestamp} ${decky} ssh - command [relay@55555 command="${command}"]`, service: 'ssh', timestamp,
  }
}

// ids far apart: A's commands fall into two spans of the backfill (100,000 log ids each);
// A's line 5 is later in time than its line 9 (ingested out of order)
const LINES = [
  logLine(5, A, '2026-11-01T00:00:09.000Z', 'decky-01', 'uname -a'),
  logLine(9, A, '2026-11-01T00:00:01.000Z', 'decky-02', 'echo "x" \\ y'),
  logLine(12, B, '2026-11-01T00:00:02.000Z', 'decky-01', 'id'),
  logLine(150_000, A, '2026-11-01T00:00:20.000Z', 'decky-03', 'cat /etc/shadow'),
]

/** The attacker_commands rows 0001 kept for LINES. */
const OLD_ROWS: OldCommandRow[] = LINES.map((line) => ({
  command: (JSON.parse(line.fields) as {command: string}).command, decky: line.decky, ip: line.attacker_ip, log_id: line.id, service: line.service, timestamp: line.timestamp,
}))

function attacker(ip: string): Insertable<AttackersTable> {
  return {
    auth_attempts: 0, deckies: '["decky-01"]', event_count: 1, first_contacts: '{"deckies":[],"services":[]}', first_seen: '2026-11-01T00:00:00.000Z',
    ip, is_traversal: 0, last_log_id: 150_000, last_seen: '2026-11-01T00:00:20.000Z', services: '["ssh"]', traversal_path: null,
  }
}

async function oldRows(db: Kysely<Database>): Promise<OldCommandRow[]> {
  const rows = await withOldTables(db).selectFrom('attacker_commands').selectAll().orderBy('log_id').execute()
  return rows.map((row) => ({...row, log_id: Number(row.log_id)}))
}

for (const kind of DATABASE_KINDS) {
  describe(`migration 0006-attacker-command-batches (${kind})`, {skip: skipReason(kind)}, () => {
    it('batches the stored command rows per attacker and span of log ids; the profiles show the same commands', async (t) => {
      const db = await databaseAtMigration(kind, t, '0005-attackers-hot-updates')
      await db.insertInto('logs').values(LINES).execute()
      await db.insertInto('attackers').values([attacker(A), attacker(B)]).execute()
      await withOldTables(db).insertInto('attacker_commands').values(OLD_ROWS).execute()

      const {error} = await migrator(db).migrateToLatest()
      assert.ifError(error)
      const tables = (await db.introspection.getTables()).map((table) => table.name)
      assert.ok(!tables.includes('attacker_commands'), `attacker_commands is gone (tables: ${tables.join(', ')})`)
      const batches = await db.selectFrom('attacker_command_batches').selectAll().orderBy('ip').orderBy('first_log_id').execute()
      const commandsOf = (...ids: number[]) => OLD_ROWS.filter((row) => ids.includes(row.log_id)).map(({ip, ...command}) => command)
      assert.deepEqual(
        batches.map((batch) => [batch.ip, Number(batch.first_log_id), Number(batch.last_log_id), batchCommands(batch)]),
        ([
          [B, 12, 12, commandsOf(12)],
          [A, 5, 9, commandsOf(5, 9)],
          [A, 150_000, 150_000, commandsOf(150_000)],
        ] as Array<[string, number, number, unknown]>).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])),
      )
      const profile = await findAttacker(db, A)
      assert.deepEqual(profile?.commands, [
        {command: 'echo "x" \\ y', decky: 'decky-02', service: 'ssh', timestamp: '2026-11-01T00:00:01.000Z'},
        {command: 'uname -a', decky: 'decky-01', service: 'ssh', timestamp: '2026-11-01T00:00:09.000Z'},
        {command: 'cat /etc/shadow', decky: 'decky-03', service: 'ssh', timestamp: '2026-11-01T00:00:20.000Z'},
      ])
    })

    it('down gives back one attacker_commands row per command', async (t) => {
      const db = await databaseAtMigration(kind, t, '0005-attackers-hot-updates')
      await db.insertInto('logs').values(LINES).execute()
      await withOldTables(db).insertInto('attacker_commands').values(OLD_ROWS).execute()
      // up to 0006 only: later migrations would be the ones `migrateDown` undoes
      const {error} = await migrator(db).migrateTo('0006-attacker-command-batches')
      assert.ifError(error)

      const {error: downError, results} = await migrator(db).migrateDown()
      assert.ifError(downError)
      assert.deepEqual(results?.map((result) => [result.migrationName, result.status]), [['0006-attacker-command-batches', 'Success']])
      assert.deepEqual(await oldRows(db), OLD_ROWS)
      const tables = (await db.introspection.getTables()).map((table) => table.name)
      assert.ok(!tables.includes('attacker_command_batches'))
    })
  })
}
