import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {createInterface} from 'node:readline'
import {describe, test} from 'node:test'

import {sql} from 'kysely'

import {DatabaseError} from '../../src/db/errors.js'
import {migrateToLatest, migrationStates} from '../../src/db/migrate.js'
import {allMigrations} from '../../src/db/migrations/index.js'
import {withDatabase} from '../../src/db/open.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'
import {schemaTables} from '../helpers/schema-tables.js'

const ALL = Object.keys(allMigrations()).sort()
const KYSELY_TABLES = ['kysely_migration', 'kysely_migration_lock']

for (const kind of DATABASE_KINDS) {
  describe(`migrateToLatest (${kind})`, {skip: skipReason(kind)}, () => {
    test('applies every migration once, then nothing; states say when', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        assert.deepEqual(await migrateToLatest(db), ALL)
        assert.deepEqual(await migrateToLatest(db), [])
        const states = await migrationStates(db)
        assert.deepEqual(states.map((s) => s.name), ALL)
        assert.ok(states.every((s) => s.executedAt instanceof Date))
      })
    })

    test('creates exactly the tables and columns of schema.ts', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const expected = schemaTables() as Record<string, string[]>
        const tables = (await db.introspection.getTables()).filter((table) => !KYSELY_TABLES.includes(table.name))
        assert.deepEqual(tables.map((table) => table.name).sort(), Object.keys(expected).sort())
        for (const table of tables) {
          assert.deepEqual(table.columns.map((c) => c.name).sort(), [...expected[table.name]].sort(), table.name)
        }

        const logsId = tables.find((table) => table.name === 'logs')?.columns.find((c) => c.name === 'id')
        assert.equal(logsId?.isAutoIncrementing, true)
      })
    })

    test('ids keep increasing and round-trip as numbers', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const row = {timestamp: '2026-11-26T13:32:51.000Z', decky: 'd', service: 's', event_type: 'e', attacker_ip: null, raw_line: 'r', fields: '{}', msg: null}
        await db.insertInto('logs').values([row, row]).execute()
        await db.deleteFrom('logs').where('id', '=', 2).execute()
        await db.insertInto('logs').values(row).execute()
        const ids = (await db.selectFrom('logs').select('id').orderBy('id').execute()).map((r) => r.id)
        assert.deepEqual(ids, [1, 3], 'a deleted last id is never reused (cursors stay valid)')
        await db.insertInto('worker_state').values({worker: 'w', cursor: 2 ** 40, updated_at: 'x'}).execute()
        assert.equal((await db.selectFrom('worker_state').select('cursor').executeTakeFirstOrThrow()).cursor, 2 ** 40)
      })
    })

    test('a failing migration is a DatabaseError naming it, and nothing of the run is kept', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await sql`create table attackers (x integer)`.execute(db) // 0001 will trip on it, after creating logs
        await assert.rejects(migrateToLatest(db), (error) => {
          assert.ok(error instanceof DatabaseError)
          assert.match(error.message, /^migration "0001-initial" failed: .*attackers/)
          return true
        })
        const tables = (await db.introspection.getTables()).map((table) => table.name)
        assert.ok(!tables.includes('logs'), `logs was rolled back (tables: ${tables.join(', ')})`)
        assert.deepEqual(await db.withTables<{kysely_migration: {name: string; timestamp: string}}>().selectFrom('kysely_migration').selectAll().execute(), [])
      })
    })

    test('four processes migrating at the same moment: each migration applied exactly once, all succeed', async (t) => {
      const {url, cleanup} = (await freshDatabase(kind))
      t.after(cleanup)
      const children = Array.from({length: 4}, () => spawn(process.execPath, ['--import', 'tsx', new URL('../helpers/migrate-child.ts', import.meta.url).pathname, url], {stdio: ['pipe', 'pipe', 'inherit']}))
      t.after(() => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL')))
      const outputs = children.map((child) => createInterface({input: child.stdout})[Symbol.asyncIterator]())
      for (const lines of outputs) assert.equal((await lines.next()).value, 'ready')
      for (const child of children) child.stdin.write('go\n')
      const applied: string[][] = []
      for (const lines of outputs) applied.push(JSON.parse((await lines.next()).value as string) as string[])
      const codes = await Promise.all(children.map(async (child) => child.exitCode ?? (await once(child, 'exit'))[0]))
      assert.deepEqual(codes, [0, 0, 0, 0])
      assert.deepEqual(applied.flat().sort(), ALL, `applied per process: ${JSON.stringify(applied)}`)
      await withDatabase(url, async (db) => assert.deepEqual(await migrateToLatest(db), []))
    })
  })
}
