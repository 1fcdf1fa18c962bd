import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {type Kysely, sql} from 'kysely'

import {openDatabase} from '../../../../src/db/index.js'
import type {AttackerRow, Database, NewLog} from '../../../../src/db/schema.js'
import {parseDatabaseUrl} from '../../../../src/db/url.js'
import {parseLineTexts, readLines} from '../../../../src/workers/profiler/read/read-lines.js'
// ThreadReader and Profiler (with a url) from dist/: the reading thread is a Worker file next to the module (reader-thread.js), which src/ does not have
import {ThreadReader} from '../../../../dist/workers/profiler/read/thread-reader.js'
import {Profiler} from '../../../../dist/workers/profiler/profiler.js'
import {migratedDatabase} from '../../../helpers/databases.js'
import {expectedProfiles, insertLogs, makeLogs, readProfiles as readProfilesUntyped} from '../../../helpers/profiler-logs.js'

const readProfiles = async (db: Kysely<Database>): Promise<{attackers: AttackerRow[]; commands: unknown[]}> =>
  (await readProfilesUntyped(db)) as {attackers: AttackerRow[]; commands: unknown[]}

/** A SQLite file with `rows` in `logs`: {db, url}. */
async function sqliteWith(t: TestContext, rows: readonly NewLog[]): Promise<{db: Kysely<Database>; url: string}> {
  const database = await migratedDatabase('sqlite', t)
  await insertLogs(database.db, rows)
  return database
}

describe('ThreadReader (SQLite)', () => {
  it('reads on its own connection what readLines reads on this one, batch after batch, in the order asked', async (t) => {
    const {db, url} = await sqliteWith(t, makeLogs(1200, {seed: 41}))
    const reader = new ThreadReader({batchSize: 500, maxChars: undefined, database: parseDatabaseUrl(url)})
    t.after(() => reader.close())
    // asked at once: answered in order, each after its own cursor
    const reads = await Promise.all([0, 500, 1000, 1200].map((after) => reader.read(after)))
    for (const [i, after] of [0, 500, 1000, 1200].entries()) {
      assert.deepEqual(parseLineTexts(reads[i]), await readLines(db, 'sqlite', after, 500), `after ${after}`)
    }
  })

  it('cuts a batch at the character budget as readLines does', async (t) => {
    const rows = makeLogs(600, {seed: 42}).map((row, i) => ({...row, msg: `${i} ${'x'.repeat(5000)}`}))
    const {db, url} = await sqliteWith(t, rows)
    const reader = new ThreadReader({batchSize: 600, maxChars: 1_000_000, database: parseDatabaseUrl(url)})
    t.after(() => reader.close())
    const read = parseLineTexts(await reader.read(0))
    assert.equal(read.cut, true)
    assert.ok(read.lines.length < 600)
    assert.deepEqual(read, await readLines(db, 'sqlite', 0, 600, {maxChars: 1_000_000}))
  })

  it('rejects every read, with the reason, when its connection cannot open', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-thread-reader-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const reader = new ThreadReader({batchSize: 10, maxChars: undefined, database: parseDatabaseUrl(`sqlite:${join(dir, 'missing', 'decnet.sqlite')}`)})
    t.after(() => reader.close())
    await assert.rejects(reader.read(0), /missing|directory|open/i)
    await assert.rejects(reader.read(0), /missing|directory|open/i)
  })

  it('lets its thread end on close; reads after that reject', async (t) => {
    const {url} = await sqliteWith(t, makeLogs(10, {seed: 43}))
    const reader = new ThreadReader({batchSize: 10, maxChars: undefined, database: parseDatabaseUrl(url)})
    assert.equal(parseLineTexts(await reader.read(0)).lines.length, 10)
    await reader.close() // resolves once the thread has exited
    await assert.rejects(reader.read(0), /closed/)
    await reader.close() // twice is harmless
  })

  it('reads only SQLite files: not PostgreSQL, not an in-memory database', () => {
    assert.equal(ThreadReader.canRead(parseDatabaseUrl('sqlite:/var/lib/decnet/decnet.sqlite')), true)
    assert.equal(ThreadReader.canRead(parseDatabaseUrl('/var/lib/decnet/decnet.sqlite')), true)
    assert.equal(ThreadReader.canRead(parseDatabaseUrl('sqlite::memory:')), false)
    assert.equal(ThreadReader.canRead(parseDatabaseUrl('postgres://decnet@127.0.0.1/decnet')), false)
  })
})

describe('profiler drain with a reading thread (SQLite)', () => {
  it('builds the profiles a whole-history fold gives', async (t) => {
    const {db, url} = await sqliteWith(t, makeLogs(1500, {attackers: 40, seed: 44}))
    const ticks: number[] = []
    const total = await new Profiler(db, {batchSize: 97, database: parseDatabaseUrl(url)}).drain(undefined, (tick) => void ticks.push(tick.lines))
    assert.equal(total.lines, 1500)
    assert.equal(ticks.length, Math.ceil(1500 / 97))
    assert.deepEqual(await readProfiles(db), await expectedProfiles(db))
  })

  it('folds the batches after the first from the connection `url` names (the thread reads them)', async (t) => {
    // the thread reads a copy whose lines name other attackers: their profiles show where each batch came from
    const {db} = await sqliteWith(t, makeLogs(300, {attackers: 5, seed: 45}))
    const dir = mkdtempSync(join(tmpdir(), 'decnet-thread-copy-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const copy = join(dir, 'copy.sqlite')
    await sql`vacuum into ${copy}`.execute(db)
    const other = await openDatabase(`sqlite:${copy}`)
    t.after(() => other.destroy())
    await other.updateTable('logs').set({attacker_ip: '203.0.113.99'}).where('attacker_ip', 'is not', null).execute()

    await new Profiler(db, {batchSize: 100, database: parseDatabaseUrl(`sqlite:${copy}`)}).drain()
    const {attackers} = await readProfiles(db)
    const thread = attackers.find((row) => row.ip === '203.0.113.99')
    assert.ok(thread, 'a batch read by the thread was folded')
    const ids = await other.selectFrom('logs').select('id').where('id', '>', 100).where('attacker_ip', 'is not', null).execute()
    assert.equal(thread.event_count, ids.length, 'every line after the first batch came from the thread')
    assert.ok(attackers.some((row) => row.ip !== '203.0.113.99'), 'the first batch was read on the profiler’s own connection')
  })

  it('reads for itself when the thread cannot read: nothing lost, nothing doubled', async (t) => {
    const {db} = await sqliteWith(t, makeLogs(700, {attackers: 20, seed: 46}))
    const dir = mkdtempSync(join(tmpdir(), 'decnet-thread-reader-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const total = await new Profiler(db, {batchSize: 100, database: parseDatabaseUrl(`sqlite:${join(dir, 'missing', 'decnet.sqlite')}`)}).drain()
    assert.equal(total.lines, 700)
    assert.deepEqual(await readProfiles(db), await expectedProfiles(db))
  })

})
