// claimAndReadLogs (PostgreSQL): the cursor claim and the first lines in one statement, with what
// claimCursor and readLogsAfter give apart, the row lock included.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Kysely, sql, type Transaction} from 'kysely'

import {readLogsAfter} from '../../src/db/read-logs-after.js'
import type {Database} from '../../src/db/schema.js'
import {claimAndReadLogs, claimCursor} from '../../src/workers/claim-cursor.js'
import {migratedDatabase, skipReason} from '../helpers/databases.js'
import {insertLogs, makeLogs} from '../helpers/profiler-logs.js'

const COLUMNS: ReadonlyArray<'attacker_ip' | 'id' | 'msg' | 'timestamp'> = ['id', 'timestamp', 'attacker_ip', 'msg']
const WORKER = 'claim-test'

const withTrx = <T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> => db.transaction().execute((trx) => fn(trx))
// rows may carry the statement's `claimed` column, which the row type does not name
const withoutClaimed = (rows: readonly object[]): object[] => rows.map((row) => {
  const {claimed, ...rest} = row as {claimed?: unknown}
  return rest
})

async function setCursor(db: Kysely<Database>, cursor: number): Promise<void> {
  await withTrx(db, (trx) => claimCursor(trx, WORKER))
  await db.updateTable('worker_state').set({cursor}).where('worker', '=', WORKER).execute()
}

describe('claimAndReadLogs (postgres)', {skip: skipReason('postgres')}, () => {
  it('creates the cursor at 0 on first use and reads from the start', async (t) => {
    const {db} = await migratedDatabase('postgres', t)
    await insertLogs(db, makeLogs(30, {seed: 3}))
    const {cursor, read} = await withTrx(db, (trx) => claimAndReadLogs(trx, WORKER, COLUMNS, 10))
    assert.equal(cursor, 0)
    assert.deepEqual(withoutClaimed(read.rows), await withTrx(db, async (trx) => (await readLogsAfter(trx, COLUMNS, 0, 10)).rows))
    assert.equal(read.cut, false)
    const row = await db.selectFrom('worker_state').select('cursor').where('worker', '=', WORKER).executeTakeFirstOrThrow()
    assert.equal(Number(row.cursor), 0)
  })

  it('gives what claimCursor and readLogsAfter give, across statements and over gaps in the ids', async (t) => {
    const {db} = await migratedDatabase('postgres', t)
    await insertLogs(db, makeLogs(2600, {seed: 9}))
    await db.deleteFrom('logs').where('id', 'in', [999, 1000, 1001, 2000]).execute()
    for (const [cursor, limit] of <Array<[number, number]>>[[0, 100_000], [0, 1000], [0, 1001], [5, 2003], [998, 1], [2590, 50], [5000, 10]]) {
      await setCursor(db, cursor)
      const claimed = await withTrx(db, (trx) => claimAndReadLogs(trx, WORKER, COLUMNS, limit))
      const expected = await withTrx(db, async (trx) => readLogsAfter(trx, COLUMNS, await claimCursor(trx, WORKER), limit))
      assert.equal(claimed.cursor, cursor, `cursor ${cursor}, limit ${limit}`)
      assert.deepEqual({...claimed.read, rows: withoutClaimed(claimed.read.rows)}, expected, `cursor ${cursor}, limit ${limit}`)
    }
  })

  it('stops past maxChars characters and says it was cut, counting the lines of the first statement', async (t) => {
    const {db} = await migratedDatabase('postgres', t)
    await insertLogs(db, makeLogs(2500, {seed: 4}).map((row, i) => ({...row, msg: `${i} ${'x'.repeat(1000)}`})))
    // the first statement (1,000 lines) already crosses a budget of 500 lines: nothing more is read
    const small = await withTrx(db, (trx) => claimAndReadLogs(trx, WORKER, COLUMNS, 100_000, {maxChars: 500 * 1000}))
    assert.deepEqual([small.read.rows.length, small.read.cut], [1000, true])
    // a budget of 1,500 lines: later statements ask for what the rest of the budget holds, so it stops about there
    const larger = await withTrx(db, (trx) => claimAndReadLogs(trx, WORKER, COLUMNS, 100_000, {maxChars: 1500 * 1000}))
    assert.equal(larger.read.cut, true)
    assert.ok(larger.read.rows.length > 1000 && larger.read.rows.length <= 1500, `${larger.read.rows.length} lines`)
    // a first statement as small as asked
    const first = await withTrx(db, (trx) => claimAndReadLogs(trx, WORKER, COLUMNS, 100_000, {firstStatementLines: 10, maxChars: 5 * 1000}))
    assert.deepEqual([first.read.rows.length, first.read.cut], [10, true])
    const all = await withTrx(db, (trx) => claimAndReadLogs(trx, WORKER, COLUMNS, 100_000))
    assert.deepEqual([all.read.rows.length, all.read.cut], [2500, false])
  })

  it('waits for another holder of the cursor and reads after the cursor it left', async (t) => {
    const {db} = await migratedDatabase('postgres', t)
    await insertLogs(db, makeLogs(50, {seed: 6}))
    await setCursor(db, 0)
    let claimedFirst!: () => void
    const held = new Promise<void>((resolve) => (claimedFirst = resolve))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const first = withTrx(db, async (trx) => {
      await claimCursor(trx, WORKER)
      claimedFirst()
      await gate
      await trx.updateTable('worker_state').set({cursor: 20}).where('worker', '=', WORKER).execute()
    })
    await held
    const second = withTrx(db, (trx) => claimAndReadLogs(trx, WORKER, COLUMNS, 100))
    // the second claim is blocked on the first's row lock before the first moves the cursor
    for (;;) {
      const {rows} = await sql<{n: number}>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`.execute(db)
      if (rows[0].n > 0) break
    }

    release()
    await first
    const {cursor, read} = await second
    assert.equal(cursor, 20)
    assert.equal(read.rows[0].id, 21)
    assert.equal(read.rows.length, 30)
  })
})
