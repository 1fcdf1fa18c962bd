// BulkUpsert, BulkUpdate and PostgresWriteBatch: every value lands exactly, whichever way the rows go
// (PostgreSQL: column texts, or JSON when a value holds one of their separators).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Kysely, sql} from 'kysely'

import {BulkUpdate} from '../../../src/db/bulk/bulk-update.js'
import {BulkUpsert} from '../../../src/db/bulk/bulk-upsert.js'
import type {UpsertColumns} from '../../../src/db/bulk/upsert-columns.js'
import {columnTexts} from '../../../src/db/bulk/column-texts.js'
import {PostgresWriteBatch} from '../../../src/db/bulk/postgres-write-batch.js'
import type {DialectName} from '../../../src/db/migrate.js'
import type {Database} from '../../../src/db/schema.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'

/** A row of the test's own table, bulk_rows. */
interface BulkRow {
  id: number
  name: string
  note?: null | string
  score?: null | number
  flag?: null | number
}

const COLUMNS: UpsertColumns<BulkRow> = [['id', 'bigint'], ['name', 'text'], ['note', 'text'], ['score', 'double precision'], ['flag', 'integer']]
const NAMES = COLUMNS.map(([name]) => name)

async function createTable(db: Kysely<Database>): Promise<void> {
  await sql`create table bulk_rows (id bigint primary key, name text not null, note text, score double precision, flag integer)`.execute(db)
}

async function stored(db: Kysely<Database>): Promise<BulkRow[]> {
  const rows = await db.withTables<{bulk_rows: BulkRow}>().selectFrom('bulk_rows').selectAll().orderBy('id').execute()
  return rows.map((row) => ({...row, flag: row.flag === null ? null : Number(row.flag), id: Number(row.id)}))
}

/** Rows with the values that are easy to get wrong. */
function awkwardRows(): BulkRow[] {
  return [
    {flag: 1, id: 1, name: 'plain', note: null, score: 1.5},
    {flag: null, id: 2, name: '', note: '', score: null},
    {flag: 0, id: 3, name: 'quotes " and \\ backslashes, {braces}, commas', note: 'NULL', score: -0.25},
    {flag: 7, id: 4, name: 'tab\tnewline\ncarriage\r bell\u0007 escape\u001b', note: 'accents é, astral \u{1F600}, BOM \uFEFF', score: 1e21},
    {flag: 2, id: 5, name: '{"deckies":["decky-01"]}', note: '["a","b"]', score: 0},
    {id: 6, name: 'missing note and flag (undefined)', score: 3},
  ]
}

function expected(rows: readonly BulkRow[]): Array<Record<string, unknown>> {
  return rows.map((row) => Object.fromEntries(NAMES.map((name) => [name, row[name] ?? null])))
}

describe('columnTexts', () => {
  it('refuses values its separators could be mistaken in, and the one empty string it cannot carry', () => {
    for (const name of ['a\u001Fb', 'a\u001Eb', 'a\u001Db', 'a\u0000b']) {
      assert.equal(columnTexts([{id: 1, name}, {id: 2, name: 'x'}], ['id', 'name']), undefined, JSON.stringify(name))
    }

    assert.equal(columnTexts([{id: 1, name: ''}], ['id', 'name']), undefined, 'one row, an empty string')
    assert.equal(columnTexts([{id: 1, name: ''}, {id: 2, name: ''}], ['id', 'name']), '1\u001F2\u001D\u001F')
    assert.equal(columnTexts([{id: 1, name: null}], ['id', 'name']), '1\u001D\u001E')
  })
})

for (const kind of DATABASE_KINDS as readonly DialectName[]) {
  describe(`bulk writes (${kind})`, {skip: skipReason(kind)}, () => {
    it('BulkUpsert stores every value exactly, then updates the rows it meets again', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await createTable(db)
      const upsert = new BulkUpsert(kind, 'bulk_rows', COLUMNS, 'id', {update: ['name', 'note', 'score', 'flag']})
      const rows = awkwardRows()
      await db.transaction().execute((trx) => upsert.write(trx, rows))
      assert.deepEqual(await stored(db), expected(rows))

      const again = rows.map((row) => ({...row, name: `${row.name}!`}))
      await db.transaction().execute((trx) => upsert.write(trx, again))
      assert.deepEqual(await stored(db), expected(again))
    })

    it('a value holding a separator goes another way and lands exactly, with its neighbours', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await createTable(db)
      const upsert = new BulkUpsert(kind, 'bulk_rows', COLUMNS, 'id', 'nothing')
      const rows = [...awkwardRows(), {flag: 1, id: 7, name: 'unit\u001Fsep \u001Erecord\u001Dgroup', note: null, score: 2}]
      await db.transaction().execute((trx) => upsert.write(trx, rows))
      assert.deepEqual(await stored(db), expected(rows))
    })

    it('one row whose text is empty stays an empty string, not NULL', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await createTable(db)
      const upsert = new BulkUpsert(kind, 'bulk_rows', COLUMNS, 'id', 'nothing')
      await db.transaction().execute((trx) => upsert.write(trx, [{flag: 1, id: 1, name: '', note: '', score: 0}]))
      assert.deepEqual(await stored(db), [{flag: 1, id: 1, name: '', note: '', score: 0}])
    })

    it('a lone surrogate (text cut inside an emoji) is stored as U+FFFD, whichever way the rows go', {skip: kind === 'sqlite' && 'PostgreSQL only: better-sqlite3 writes the surrogate\'s three bytes, read back as three U+FFFD'}, async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await createTable(db)
      const upsert = new BulkUpsert(kind, 'bulk_rows', COLUMNS, 'id', 'nothing')
      const cut = '\u{1F600}'.slice(0, 1)
      await db.transaction().execute((trx) => upsert.write(trx, [{id: 1, name: `cut ${cut}`}, {id: 2, name: 'fine'}]))
      await db.transaction().execute((trx) => upsert.write(trx, [{id: 3, name: `cut ${cut} and \u001F`}, {id: 4, name: 'fine'}]))
      const names = (await stored(db)).map((row) => row.name)
      assert.deepEqual(names, ['cut \uFFFD', 'fine', 'cut \uFFFD and \u001F', 'fine'])
    })

    it('BulkUpdate changes the rows it names and skips keys that are not there', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await createTable(db)
      const rows = awkwardRows()
      await db.transaction().execute((trx) => new BulkUpsert(kind, 'bulk_rows', COLUMNS, 'id', 'nothing').write(trx, rows))
      const update = new BulkUpdate<Pick<BulkRow, 'id' | 'note'>>(kind, 'bulk_rows', [['id', 'bigint'], ['note', 'text']], 'id')
      const updated = await db.transaction().execute((trx) =>
        update.write(trx, [{id: 2, note: 'two\u001Fnow'}, {id: 4, note: null}, {id: 99, note: 'nobody'}]),
      )
      assert.equal(updated, 2)
      const want = expected(rows)
      want[1].note = 'two\u001Fnow'
      want[3].note = null
      assert.deepEqual(await stored(db), want)
    })

    if (kind === 'postgres') {
      it('PostgresWriteBatch runs each write with its own rows, column texts and JSON side by side, and counts them', async (t) => {
        const {db} = await migratedDatabase(kind, t)
        await createTable(db)
        await sql`create table bulk_log (id bigint primary key, line text not null)`.execute(db)
        await sql`create table bulk_state (name text primary key, value bigint not null)`.execute(db)
        await sql`insert into bulk_state values ('cursor', 0)`.execute(db)
        const rowsWrite = new BulkUpsert(kind, 'bulk_rows', COLUMNS, 'id', 'nothing')
        const logWrite = new BulkUpsert<{id: number; line: string}>(kind, 'bulk_log', [['id', 'bigint'], ['line', 'text']], 'id', 'nothing')
        const batch = new PostgresWriteBatch([rowsWrite, logWrite], (n) => `update bulk_state set value = $${n} where name = $${n + 1}`)
        const rows = awkwardRows()
        const lines = [{id: 1, line: 'with a \u001F separator'}, {id: 2, line: 'plain'}]
        const counts = await db.transaction().execute((trx) => batch.run(trx, [rows, lines], [42, 'cursor']))
        assert.deepEqual(counts, [rows.length, 2])
        assert.deepEqual(await stored(db), expected(rows))
        const log = await sql`select id::int, line from bulk_log order by id`.execute(db)
        assert.deepEqual(log.rows, lines)
        const state = await sql`select value::int from bulk_state`.execute(db)
        assert.deepEqual(state.rows, [{value: 42}])

        const none = await db.transaction().execute((trx) => batch.run(trx, [[], []], [43, 'cursor']))
        assert.deepEqual(none, [0, 0], 'empty writes write nothing')
      })
    }
  })
}
