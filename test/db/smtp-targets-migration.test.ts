// Migration 0014: the attacker_smtp_targets table; an upgraded database keeps its profiles, the
// profiler fills the new table (and stores mail as artifacts) from the lines it folds next, and
// `down` removes exactly the table.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../src/db/schema.js'

import {migrateToLatest} from '../../src/db/migrate.js'
import {profilerTick} from '../../src/workers/profiler/profiler.js'
import {DATABASE_KINDS, databaseAtMigration, indexNames, migrator, skipReason} from '../helpers/databases.js'

async function tableNames(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables()
  return tables.map((table) => table.name).filter((name) => !name.startsWith('kysely_')).sort()
}

for (const kind of DATABASE_KINDS) {
  describe(`migration 0014-smtp-targets (${kind})`, {skip: skipReason(kind)}, () => {
    it('adds attacker_smtp_targets to a database of 0013, which the profiler then fills; down removes it', async (t) => {
      const db = await databaseAtMigration(kind, t, '0013-attacker-geo')
      const before = await tableNames(db)
      assert.ok(!before.includes('attacker_smtp_targets'))
      const log = (eventType: string, fields: Record<string, string>) => ({
        attacker_ip: '203.0.113.40', decky: 'mx-01', event_type: eventType, msg: null, raw_line: 'x', service: 'smtp_relay',
        timestamp: '2026-11-26T10:00:00.000Z', fields: JSON.stringify({src: '203.0.113.40', ...fields}),
      })
      await db.insertInto('logs').values([log('rcpt_to', {value: '<cfo@bank.example.com>'}), log('message_stored', {msg_id: 'M1', subject: 'hi', rcpt_to: 'cfo@bank.example.com'})]).execute()

      await migrateToLatest(db)
      const added = (await tableNames(db)).filter((name) => before.includes(name) || name === 'attacker_smtp_targets')
      assert.deepEqual(added, [...before, 'attacker_smtp_targets'].sort())
      assert.ok((await indexNames(db, ['attacker_smtp_targets'])).includes('attacker_smtp_targets_domain'))
      await profilerTick(db)
      const rows = await db.selectFrom('attacker_smtp_targets').select(['attacker_ip', 'domain', 'count', 'messages']).execute()
      assert.deepEqual(rows.map((row) => ({...row, count: Number(row.count), messages: Number(row.messages)})), [{attacker_ip: '203.0.113.40', domain: 'bank.example.com', count: 1, messages: 0}])
      const mail = await db.selectFrom('attacker_artifacts').select(['kind', 'details']).execute()
      assert.deepEqual(mail.map((row) => [row.kind, (JSON.parse(row.details) as {subject: string}).subject]), [['mail', 'hi']])

      const {error} = await migrator(db).migrateTo('0013-attacker-geo')
      if (error) throw error instanceof Error ? error : new Error(String(error))
      assert.deepEqual(await tableNames(db), before)
      assert.equal((await db.selectFrom('attackers').select('ip').execute()).length, 1, 'profiles stay')
    })
  })
}
