import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely, Transaction} from 'kysely'

import {dialectOf} from '../../../../src/db/index.js'
import type {Database, NewLog} from '../../../../src/db/schema.js'
import {claimAndReadLines, IDS_PER_CHUNK, type LinesRead, readLines, type TickLine} from '../../../../src/workers/profiler/read/read-lines.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../../helpers/databases.js'
import {insertLogs, makeLogs} from '../../../helpers/profiler-logs.js'

const COLUMNS: ReadonlyArray<'attacker_ip' | 'decky' | 'event_type' | 'fields' | 'id' | 'msg' | 'service' | 'timestamp'> = ['id', 'timestamp', 'decky', 'service', 'event_type', 'attacker_ip', 'fields', 'msg']

/** Values that JSON must escape or that are easy to mangle on the way through it. */
const HOSTILE = [
  '', ' ', '"', '\\', '\\"', '\\u0063md', '{"a":1}', '[]', 'null', '\n\r\t', '\u0001\u001f\u007f', 'é ü ß', '日本語',
  '🦀 emoji \ud83d\ude00', '\u2028\u2029', "'; drop table logs; --", 'x'.repeat(70_000),
]

function hostileRows(): NewLog[] {
  const base = makeLogs(HOSTILE.length * 2, {attackers: 3, seed: 11})
  return base.map((row, i) => {
    const value = HOSTILE[i % HOSTILE.length]
    return i < HOSTILE.length
      ? {...row, decky: value, fields: JSON.stringify({command: value, [value]: value}), msg: value, service: value}
      : {...row, attacker_ip: i % 2 ? null : value, event_type: value, msg: null}
  })
}

/** The plain select the JSON path replaces. */
function plainSelect(db: Kysely<Database>, cursor: number, limit: number) {
  return db.selectFrom('logs').select(COLUMNS).where('id', '>', cursor).orderBy('id').limit(limit).execute()
}

const withTrx = <T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> => db.transaction().execute((trx) => fn(trx))

for (const kind of DATABASE_KINDS) {
  describe(`readLines (${kind})`, {skip: skipReason(kind)}, () => {
    it('gives exactly the rows of a plain select, hostile values included', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, hostileRows())
      const expected = await plainSelect(db, 0, 1000)
      assert.equal(expected.length, HOSTILE.length * 2)
      const {cut, lines} = await withTrx(db, (trx) => readLines(trx, dialectOf(db), 0, 1000))
      assert.deepEqual(lines, expected)
      assert.equal(cut, false)
    })

    it('reads in id order across chunks, after the cursor, at most the limit, over gaps in the ids', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, makeLogs(3 * IDS_PER_CHUNK + 17, {seed: 5}))
      // gaps: ids on both sides of chunk boundaries are gone
      await db.deleteFrom('logs').where('id', 'in', [IDS_PER_CHUNK - 1, IDS_PER_CHUNK, IDS_PER_CHUNK + 1, 2 * IDS_PER_CHUNK]).execute()
      for (const [cursor, limit] of [[0, 10_000], [0, IDS_PER_CHUNK], [5, 2 * IDS_PER_CHUNK + 3], [IDS_PER_CHUNK - 2, 1], [3 * IDS_PER_CHUNK, 100], [10_000, 5]]) {
        const expected = await plainSelect(db, cursor, limit)
        const {lines} = await withTrx(db, (trx) => readLines(trx, dialectOf(db), cursor, limit))
        assert.deepEqual(lines, expected, `cursor ${cursor}, limit ${limit}`)
      }
    })

    it('stops once it has read about maxChars characters, says it was cut, and the rest follows', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const rows = makeLogs(1500, {seed: 8}).map((row, i) => ({...row, msg: `${i} ${'x'.repeat(5000)}`}))
      await insertLogs(db, rows)
      const all = await plainSelect(db, 0, 10_000)
      // a budget of about 300 such lines: statements after the first ask for what the rest of the budget holds
      // (counting each line's other columns, or its JSON text on SQLite), so it stops about there
      const first = await withTrx(db, (trx) => readLines(trx, dialectOf(db), 0, 10_000, {maxChars: 300 * 5000}))
      assert.equal(first.cut, true)
      assert.ok(first.lines.length >= 250 && first.lines.length <= (kind === 'postgres' ? 1000 : 310), `${first.lines.length} lines`)
      assert.deepEqual(first.lines, all.slice(0, first.lines.length))
      const rest = await withTrx(db, (trx) => readLines(trx, dialectOf(db), first.lines.at(-1)!.id, 10_000, {maxChars: 300 * 5000}))
      assert.deepEqual(rest.lines, all.slice(first.lines.length, first.lines.length + rest.lines.length))
    })

    it('hands every line read to onChunk once, in chunks, before it returns them (the claim\'s first lines included)', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await insertLogs(db, makeLogs(2 * 1000 + 300, {seed: 9}))
      type Read = (trx: Transaction<Database>, onChunk: (lines: TickLine[]) => void) => Promise<LinesRead>
      const reads: Read[] = [(trx, onChunk) => readLines(trx, dialectOf(db), 0, 10_000, {onChunk})]
      if (kind === 'postgres') reads.push(async (trx, onChunk) => (await claimAndReadLines(trx, 'reader', 10_000, {onChunk})).read)
      for (const read of reads) {
        const chunks: number[][] = []
        const {lines} = await withTrx(db, (trx) => read(trx, (chunk) => void chunks.push(chunk.map((line) => line.id))))
        assert.equal(lines.length, 2300)
        assert.ok(chunks.length > 1, `${chunks.length} chunks`)
        assert.deepEqual(chunks.flat(), lines.map((line) => line.id))
      }
    })
  })
}
