// Migration 0004: the brute-force look-back moves from an index on logs (attacker_ip, timestamp)
// to its own table, auth_failures; an upgraded database gets the failures the TTP worker has
// already passed, so its next tick still counts them.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'

import {migrateToLatest} from '../../src/db/index.js'
import {allMigrations} from '../../src/db/migrations/index.js'
import type {Database, NewLog, TtpTagRow} from '../../src/db/schema.js'
import {BRUTE_FORCE_RULE} from '../../src/ttp/brute-force.js'
import {Matcher} from '../../src/ttp/matcher.js'
import {loadRules} from '../../src/ttp/rule-loader.js'
import {TTP_CURSOR, ttpTick} from '../../src/workers/ttp/tick.js'
import {DATABASE_KINDS, databaseAtMigration, indexNames, migratedDatabase, migrator, skipReason} from '../helpers/databases.js'
import {commandLog, failedLogin, insertLogs, readTags} from '../helpers/ttp-logs.js'

const OLD_INDEX = 'logs_attacker_ip_timestamp'
const NEW_INDEX = 'auth_failures_ip_timestamp'
const TABLES = ['logs', 'auth_failures']

/** What migrating a database at 0003 to the latest runs. */
const SINCE_0003 = Object.keys(allMigrations()).filter((name) => name > '0003-worker-lease')

async function tableNames(db: Kysely<Database>): Promise<string[]> {
  return (await db.introspection.getTables()).map((table) => table.name)
}

interface StoredFailure {
  ip: string
  log_id: number
  timestamp: string
}

async function storedFailures(db: Kysely<Database>): Promise<StoredFailure[]> {
  const rows = await db.selectFrom('auth_failures').select(['ip', 'log_id', 'timestamp']).orderBy('log_id').execute()
  return rows.map((row) => ({...row, log_id: Number(row.log_id)}))
}

/** `count` rows: failed logins of three IPs among commands, successes, failures without an IP and unreadable timestamps. */
function history(count: number): NewLog[] {
  const rows: NewLog[] = []
  for (let i = 0; i < count; i++) {
    const ip = `203.0.113.${i % 3}`
    const at = i / 100
    switch (i % 7) {
      case 0:
      case 3:
        rows.push(failedLogin(ip, at))
        break
      case 1:
        rows.push({...failedLogin(ip, at), event_type: 'login_success'})
        break
      case 2:
        rows.push({...failedLogin(ip, at), attacker_ip: null})
        break
      case 4:
        rows.push({...failedLogin(ip, at), timestamp: 'yesterday'})
        break
      default:
        rows.push(commandLog(ip, at, 'id'))
    }
  }

  return rows
}

/** What auth_failures must hold for the first `through` rows of `rows` (ids are 1-based insertion order). */
function expectedFailures(rows: readonly NewLog[], through: number): StoredFailure[] {
  return rows
    .slice(0, through)
    .flatMap((row, i) => (row.event_type === 'login_failed' && row.attacker_ip && row.timestamp !== 'yesterday' ? [{ip: row.attacker_ip, log_id: i + 1, timestamp: row.timestamp}] : []))
}

for (const kind of DATABASE_KINDS) {
  describe(`migration 0004-auth-failures (${kind})`, {skip: skipReason(kind)}, () => {
    it('drops the logs (attacker_ip, timestamp) index and indexes auth_failures (ip, timestamp) instead', async (t) => {
      const old = await databaseAtMigration(kind, t, '0003-worker-lease')
      assert.ok((await indexNames(old, TABLES)).includes(OLD_INDEX), 'an older database has the index')
      assert.ok(!(await tableNames(old)).includes('auth_failures'))

      const {db} = await migratedDatabase(kind, t)
      const indexes = await indexNames(db, TABLES)
      assert.ok(!indexes.includes(OLD_INDEX), `no ${OLD_INDEX} (indexes: ${indexes.join(', ')})`)
      assert.ok(indexes.includes(NEW_INDEX), `${NEW_INDEX} (indexes: ${indexes.join(', ')})`)
      assert.deepEqual(await storedFailures(db), [], 'nothing to backfill in a new database')
    })

    it('backfills the failures of the lines at or below the TTP cursor, in chunks, and the next tick counts them', async (t) => {
      const db = await databaseAtMigration(kind, t, '0003-worker-lease')
      // more lines than one backfill chunk (5,000), with the cursor in the middle of a chunk
      const rows = history(12_003)
      await insertLogs(db, rows)
      const cursor = 11_000
      await db.insertInto('worker_state').values({cursor, updated_at: new Date().toISOString(), worker: TTP_CURSOR}).execute()

      assert.deepEqual(await migrateToLatest(db), SINCE_0003)
      const expected = expectedFailures(rows, cursor)
      assert.ok(expected.length > 3000, `${expected.length} failures`)
      assert.deepEqual(await storedFailures(db), expected)
      assert.ok(!(await indexNames(db, TABLES)).includes(OLD_INDEX))

      // the rest of the log, through the tick: the table then holds every failure, once
      const matcher = new Matcher((await loadRules()).rules)
      while ((await ttpTick(db, {matcher})).lines > 0);
      assert.deepEqual(await storedFailures(db), expectedFailures(rows, rows.length))
    })

    it('gives an upgraded database the history of a burst that straddles the upgrade', async (t) => {
      const db = await databaseAtMigration(kind, t, '0003-worker-lease')
      await insertLogs(db, [1, 1.5, 2].map((at) => failedLogin('203.0.113.7', at)))
      await db.insertInto('worker_state').values({cursor: 3, updated_at: new Date().toISOString(), worker: TTP_CURSOR}).execute()
      await migrateToLatest(db)

      await insertLogs(db, [2.5, 3].map((at) => failedLogin('203.0.113.7', at)))
      const matcher = new Matcher((await loadRules()).rules)
      assert.deepEqual(await ttpTick(db, {matcher}), {cursor: 5, lines: 2, tags: 1})
      const tags = ((await readTags(db)) as TtpTagRow[]).filter((tag) => tag.rule_id === BRUTE_FORCE_RULE.id)
      assert.deepEqual(tags.map((tag) => tag.log_id), [5], 'the fifth failure crosses the threshold, counting three from before the upgrade')
    })

    it('backfills nothing when the TTP worker never ran', async (t) => {
      const db = await databaseAtMigration(kind, t, '0003-worker-lease')
      await insertLogs(db, history(50))
      await migrateToLatest(db)
      assert.deepEqual(await storedFailures(db), [])
    })

    it('down puts the index back and drops the table', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const {error, results} = await migrator(db).migrateTo('0003-worker-lease')
      assert.ifError(error)
      assert.deepEqual(results?.map((result) => [result.migrationName, result.status]).at(-1), ['0004-auth-failures', 'Success'])
      assert.ok((await indexNames(db, TABLES)).includes(OLD_INDEX))
      assert.ok(!(await tableNames(db)).includes('auth_failures'))
      assert.deepEqual(await migrateToLatest(db), SINCE_0003, 'and up again')
      assert.ok(!(await indexNames(db, TABLES)).includes(OLD_INDEX))
    })
  })
}
