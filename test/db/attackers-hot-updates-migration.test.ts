// Migration 0005: attackers loses its last_seen index (every tick moved it) and, on PostgreSQL,
// keeps half of each page free so that a tick's row updates stay on their page (HOT updates).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Insertable, type Kysely, sql} from 'kysely'

import {ATTACKERS_FILLFACTOR} from '../../src/db/migrations/0005-attackers-hot-updates.js'
import {listAttackers} from '../../src/attackers/read-attackers.js'
import type {AttackersTable, Database} from '../../src/db/schema.js'
import {DATABASE_KINDS, databaseAtMigration, indexNames, migrator, skipReason} from '../helpers/databases.js'

const INDEX = 'attackers_last_seen'

/** PostgreSQL: the table's storage options (`fillfactor=50`), or [] when it has none. */
async function storageOptions(db: Kysely<Database>): Promise<string[]> {
  const {rows} = await sql<{reloptions: null | string[]}>`select reloptions from pg_class where relname = 'attackers'`.execute(db)
  return rows[0]?.reloptions ?? []
}

function attacker(ip: string, lastSeen: string): Insertable<AttackersTable> {
  return {
    auth_attempts: 0, deckies: '["decky-01"]', event_count: 1, first_contacts: '{"deckies":[],"services":[]}', first_seen: lastSeen,
    ip, is_traversal: 0, last_log_id: 1, last_seen: lastSeen, services: '["ssh"]', traversal_path: null,
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`migration 0005-attackers-hot-updates (${kind})`, {skip: skipReason(kind)}, () => {
    it('drops the last_seen index (and on PostgreSQL leaves room on each page); the listing keeps its order', async (t) => {
      const db = await databaseAtMigration(kind, t, '0004-auth-failures')
      assert.ok((await indexNames(db, ['attackers'])).includes(INDEX), 'an older database has the index')
      await db
        .insertInto('attackers')
        .values([attacker('203.0.113.1', '2026-11-01T00:00:02.000Z'), attacker('203.0.113.2', '2026-11-01T00:00:03.000Z'), attacker('203.0.113.3', '2026-11-01T00:00:01.000Z')])
        .execute()

      const {error} = await migrator(db).migrateToLatest()
      assert.ifError(error)
      assert.ok(!(await indexNames(db, ['attackers'])).includes(INDEX), `no ${INDEX} (indexes: ${(await indexNames(db, ['attackers'])).join(', ')})`)
      if (kind === 'postgres') assert.deepEqual(await storageOptions(db), [`fillfactor=${ATTACKERS_FILLFACTOR}`])
      const listed = await listAttackers(db, {limit: 2})
      assert.deepEqual(listed.map((profile) => profile.ip), ['203.0.113.2', '203.0.113.1'], 'most recent first, without the index')
    })

    it('down puts the index and the default fill factor back', async (t) => {
      const db = await databaseAtMigration(kind, t, '0005-attackers-hot-updates')
      const {error, results} = await migrator(db).migrateDown()
      assert.ifError(error)
      assert.deepEqual(results?.map((result) => [result.migrationName, result.status]), [['0005-attackers-hot-updates', 'Success']])
      assert.ok((await indexNames(db, ['attackers'])).includes(INDEX))
      if (kind === 'postgres') assert.deepEqual(await storageOptions(db), [])
    })
  })
}
