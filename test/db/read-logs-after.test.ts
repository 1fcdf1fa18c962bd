import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Kysely, sql, type Transaction} from 'kysely'

import {LINES_PER_READ, readLogsAfter} from '../../src/db/read-logs-after.js'
import type {Database} from '../../src/db/schema.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../helpers/databases.js'
import {insertLogs, makeLogs} from '../helpers/profiler-logs.js'

const COLUMNS: ReadonlyArray<'attacker_ip' | 'id' | 'msg' | 'timestamp'> = ['id', 'timestamp', 'attacker_ip', 'msg']
const withTrx = <T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> => db.transaction().execute((trx) => fn(trx))

for (const kind of DATABASE_KINDS) {
  describe(`readLogsAfter (${kind})`, {skip: skipReason(kind)}, () => {
    it('gives the rows of one plain select: id order, after the cursor, at most the limit, across reads and gaps', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, makeLogs(2 * LINES_PER_READ + 31, {seed: 3}))
      await db.deleteFrom('logs').where('id', 'in', [LINES_PER_READ, LINES_PER_READ + 1, 2 * LINES_PER_READ]).execute()
      const plain = (cursor: number, limit: number) => db.selectFrom('logs').select(COLUMNS).where('id', '>', cursor).orderBy('id').limit(limit).execute()
      const cases: Array<[number, number]> = [[0, 10_000], [0, LINES_PER_READ], [0, LINES_PER_READ + 1], [7, 2 * LINES_PER_READ], [LINES_PER_READ - 1, 3], [5000, 10]]
      for (const [cursor, limit] of cases) {
        const {cut, rows} = await withTrx(db, (trx) => readLogsAfter(trx, COLUMNS, cursor, limit))
        assert.deepEqual(rows, await plain(cursor, limit), `cursor ${cursor}, limit ${limit}`)
        assert.equal(cut, false)
      }
    })

    it('stops after the statement that crosses maxChars, and says so', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, makeLogs(3 * LINES_PER_READ, {seed: 6}).map((row) => ({...row, msg: 'm'.repeat(100)})))
      const all = await db.selectFrom('logs').select(COLUMNS).orderBy('id').execute()
      const {cut, rows} = await withTrx(db, (trx) => readLogsAfter(trx, COLUMNS, 0, 10_000, {maxChars: 100 * LINES_PER_READ}))
      assert.equal(cut, true)
      assert.deepEqual(rows, all.slice(0, LINES_PER_READ))
      const whole = await withTrx(db, (trx) => readLogsAfter(trx, COLUMNS, 0, 10_000))
      assert.deepEqual(whole, {cut: false, rows: all})
    })

    it('stops after the statement under way once its signal fires, and says so', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, makeLogs(4 * LINES_PER_READ, {seed: 8}))
      const all = await db.selectFrom('logs').select(COLUMNS).orderBy('id').execute()
      const stopped = new AbortController()
      stopped.abort()
      assert.deepEqual(await readLogsAfter(db, COLUMNS, 0, 10_000, {signal: stopped.signal}), {cut: true, rows: []})
      // the signal fires while the second statement is under way: that one completes, no third starts
      const controller = new AbortController()
      let statements = 0
      const counting = db.withPlugin({
        transformQuery({node}) {
          if (++statements === 2) controller.abort()
          return node
        },
        async transformResult({result}) {
          return result
        },
      })
      const {cut, rows} = await readLogsAfter(counting, COLUMNS, 0, 10_000, {signal: controller.signal})
      assert.equal(statements, 2)
      assert.equal(cut, true)
      assert.deepEqual(rows, all.slice(0, 2 * LINES_PER_READ))
    })
  })
}

describe('readLogsAfter on PostgreSQL before the statistics catch up', {skip: skipReason('postgres')}, () => {
  it('reads by primary key, not by scanning and sorting the table', async (t) => {
    const {db} = await migratedDatabase('postgres', t)
    // a new database just after a large ingest: autovacuum has not analyzed `logs` yet
    await sql`alter table logs set (autovacuum_enabled = false)`.execute(db)
    await insertLogs(db, makeLogs(500, {seed: 4}))
    await sql`insert into logs (timestamp, decky, service, event_type, attacker_ip, raw_line, fields, msg)
      select timestamp, decky, service, event_type, attacker_ip, raw_line, fields, msg
      from logs, generate_series(1, 120)`.execute(db)
    // 1,000 new lines after the cursor. Without statistics the planner guesses that a third of the
    // table has id > cursor: asked for a whole batch at once, it chose to scan and sort all of it
    const cursor = 59_500
    const read = db.selectFrom('logs').select(COLUMNS).where('id', '>', cursor).orderBy('id').limit(LINES_PER_READ).compile()
    const text = read.sql.replace('$1', String(cursor)).replace('$2', String(LINES_PER_READ))
    const {rows} = await sql`explain (format json) ${sql.raw(text)}`.execute(db)
    const plan = JSON.stringify(rows)
    const nodes = [...plan.matchAll(/"Node Type":"([^"]+)"/g)].map((match) => match[1])
    assert.deepEqual(nodes, ['Limit', 'Index Scan'], plan)
  })
})
