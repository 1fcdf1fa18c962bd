// Migration 0011: the attacker_fingerprints table; an upgraded database keeps its profiles, the
// profiler fills the new table from the lines it folds next, and `down` removes exactly it.
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
  describe(`migration 0011-fingerprints (${kind})`, {skip: skipReason(kind)}, () => {
    it('adds attacker_fingerprints to a database of 0010, which the profiler then fills; down removes it', async (t) => {
      const db = await databaseAtMigration(kind, t, '0010-ttp-tags-attack-version')
      const before = await tableNames(db)
      assert.ok(!before.includes('attacker_fingerprints'))
      await db.insertInto('logs').values({
        attacker_ip: '203.0.113.7', decky: 'ssh-01', event_type: 'ssh_client_banner', msg: null, raw_line: 'x', service: 'sniffer',
        timestamp: '2026-11-26T10:00:00.000Z', fields: JSON.stringify({src_ip: '203.0.113.7', ssh_version: 'SSH-2.0-Go'}),
      }).execute()

      await migrateToLatest(db)
      const added = (await tableNames(db)).filter((name) => before.includes(name) || name === 'attacker_fingerprints')
      assert.deepEqual(added, [...before, 'attacker_fingerprints'].sort())
      assert.ok((await indexNames(db, ['attacker_fingerprints'])).includes('attacker_fingerprints_value'))
      await profilerTick(db)
      const rows = await db.selectFrom('attacker_fingerprints').select(['attacker_ip', 'type', 'value', 'count']).execute()
      assert.deepEqual(rows.map((row) => ({...row, count: Number(row.count)})), [{attacker_ip: '203.0.113.7', type: 'ssh_client_banner', value: 'SSH-2.0-Go', count: 1}])

      const {error} = await migrator(db).migrateTo('0010-ttp-tags-attack-version')
      if (error) throw error instanceof Error ? error : new Error(String(error))
      assert.deepEqual(await tableNames(db), before)
      assert.equal((await db.selectFrom('attackers').select('ip').execute()).length, 1, 'profiles stay')
    })
  })
}
