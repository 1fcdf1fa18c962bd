// Migration 0008: the credentials, attacker_services and attacker_artifacts tables; an upgraded
// database keeps its profiles, the profiler fills the new tables from the lines it folds next,
// and `down` removes exactly them.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../src/db/schema.js'

import {migrateToLatest} from '../../src/db/migrate.js'
import {profilerTick} from '../../src/workers/profiler/profiler.js'
import {DATABASE_KINDS, databaseAtMigration, indexNames, migrator, skipReason} from '../helpers/databases.js'

const NEW_TABLES = ['attacker_artifacts', 'attacker_services', 'credentials']

async function tableNames(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables()
  return tables.map((table) => table.name).filter((name) => !name.startsWith('kysely_')).sort()
}

for (const kind of DATABASE_KINDS) {
  describe(`migration 0008-credentials (${kind})`, {skip: skipReason(kind)}, () => {
    it('adds the three tables to a database of 0007, which the profiler then fills; down removes them', async (t) => {
      const db = await databaseAtMigration(kind, t, '0007-ingest-sources')
      const before = await tableNames(db)
      assert.ok(NEW_TABLES.every((name) => !before.includes(name)))
      await db.insertInto('logs').values({
        attacker_ip: '203.0.113.7', decky: 'decky-01', event_type: 'auth_attempt', msg: null, raw_line: 'x', service: 'auth-helper',
        timestamp: '2026-11-26T10:00:00.000Z', fields: JSON.stringify({principal: 'root', secret_b64: 'MTIzNDU2', src_ip: '203.0.113.7'}),
      }).execute()

      await migrateToLatest(db)
      const after = await tableNames(db)
      // later migrations add tables of their own
      assert.deepEqual(after.filter((name) => before.includes(name) || NEW_TABLES.includes(name)), [...before, ...NEW_TABLES].sort())
      assert.ok((await indexNames(db, ['credentials'])).includes('credentials_secret'))
      assert.ok((await indexNames(db, ['attacker_artifacts'])).includes('attacker_artifacts_ip'))
      await profilerTick(db)
      const credentials = await db.selectFrom('credentials').select(['attacker_ip', 'principal', 'attempts']).execute()
      assert.deepEqual(credentials.map((row) => ({...row, attempts: Number(row.attempts)})), [{attacker_ip: '203.0.113.7', principal: 'root', attempts: 1}])

      const {error} = await migrator(db).migrateTo('0007-ingest-sources')
      if (error) throw error instanceof Error ? error : new Error(String(error))
      assert.deepEqual(await tableNames(db), before)
      assert.equal((await db.selectFrom('attackers').select('ip').execute()).length, 1, 'profiles stay')
    })
  })
}
