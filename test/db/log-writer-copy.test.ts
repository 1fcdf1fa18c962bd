/**
 * PostgreSQL's log rows go through COPY (text format). These tests hold the
 * COPY path to what the multi-row INSERTs it replaced did: the same rows,
 * ids and order for the same input (hostile bytes included), the same
 * refusal of a NUL, and rows and progress in one transaction.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {copyText, escapeCopy} from '../../src/db/bulk/copy-text.js'
import {PackedLogsBuilder} from '../../src/db/bulk/packed-logs.js'
import {DatabaseError} from '../../src/db/errors.js'
import {type LogInsert, LogWriter} from '../../src/db/log-writer.js'
import {migrateToLatest} from '../../src/db/migrate.js'
import {withDatabase} from '../../src/db/open.js'
import {SourceProgressConflict} from '../../src/db/source-progress.js'
import {freshMigratedDatabase, skipReason} from '../helpers/databases.js'

/** Values COPY text must escape or could misread: separators, escapes, its NULL and end-of-data markers, non-ASCII. */
const HOSTILE = ['a\tb', 'back\\slash', 'new\nline', 'carriage\rreturn', '\\N', '\\.', '\\', '\t', '', ' ', 'ü😈', '\\x41\\t', 'end\\', '\uFEFFbom', '\\\n\\\t']

const hostileRow = (i: number): LogInsert => {
  const value = HOSTILE[i % HOSTILE.length]
  return {
    timestamp: `2026-11-26T13:32:${String(i % 60).padStart(2, '0')}.000Z`,
    decky: i % 4 ? `decky-${i % 3}` : value,
    service: value,
    event_type: 'command',
    attacker_ip: i % 5 ? `192.0.2.${i % 250}` : null,
    raw_line: `<38>1 - decky ssh - command [relay@55555 command="${value}"] ${value}`,
    fields: JSON.stringify({command: value, n: i}),
    msg: i % 7 ? value : null,
  }
}

const packed = (rows: readonly LogInsert[]) => {
  const builder = new PackedLogsBuilder()
  for (const row of rows) builder.add(row)
  return builder.take()
}

describe('COPY text', () => {
  test('escapes backslash, tab, newline, carriage return and NUL, nothing else', () => {
    assert.equal(escapeCopy('a\\b\tc\nd\re\0f ü'), 'a\\\\b\\tc\\nd\\re\\000f ü')
    assert.equal(escapeCopy('plain'), 'plain')
  })

  test('matches a plain reference encoding, for short and long values, escapes at their edges included', () => {
    const long = 'x'.repeat(100)
    const edges = ['\\' + long, long + '\t', long + '\n' + long, long, '\r', `${long}ü`, `\t${long}😈\\`]
    const rows = Array.from({length: 300}, (_, i) => {
      const row = hostileRow(i)
      const edge = edges[i % edges.length]
      return {...row, fields: i % 2 ? JSON.stringify({edge}) : row.fields, msg: i % 3 ? edge : row.msg, raw_line: `${row.raw_line} ${edges[(i + 1) % edges.length]}`}
    })
    const reference = rows.map((row) => [row.timestamp, row.decky, row.service, row.event_type, row.attacker_ip, row.raw_line, row.fields, row.msg].map((value) => (value === null ? '\\N' : escapeCopy(value))).join('\t') + '\n').join('')
    assert.equal(Buffer.concat(copyText(packed(rows))).toString('utf8'), reference)
  })

  test('one line per row, tab-separated, NULL as \\N, in LOG_COLUMNS order', () => {
    const rows = [hostileRow(1), hostileRow(5)]
    const text = Buffer.concat(copyText(packed(rows))).toString('utf8')
    const lines = text.split('\n')
    assert.equal(lines.length, 3)
    assert.equal(lines[2], '')
    assert.deepEqual(lines[0].split('\t'), ['2026-11-26T13:32:01.000Z', 'decky-1', 'back\\\\slash', 'command', '192.0.2.1', '<38>1 - decky ssh - command [relay@55555 command="back\\\\slash"] back\\\\slash', '{"command":"back\\\\\\\\slash","n":1}', 'back\\\\slash'])
    assert.equal(lines[1].split('\t')[4], '\\N')
  })
})

describe('LogWriter through COPY (postgres)', {skip: skipReason('postgres')}, () => {
  test('hostile values land as they were, with the same ids and order as the INSERT path', async (t) => {
    const rows = Array.from({length: 2345}, (_, i) => hostileRow(i))
    const rejected = [{source: 'a\tb\\c\nd.log', line_no: 3, reason: 'bad PRI', raw_line: 'x\\t\ty', received_at: '2026-11-26T13:32:51.000Z'}]
    const stored = []
    for (const copy of [true, false]) {
      const {url, cleanup} = await freshMigratedDatabase('postgres')
      t.after(cleanup)
      stored.push(
        await withDatabase(url, async (db) => {
          await migrateToLatest(db)
          const writer = new LogWriter(db, {copy, rowsPerStatement: 500})
          await writer.write(packed(rows.slice(0, 1000)), rejected)
          await writer.write(rows.slice(1000, 1500)) // rows as objects
          await writer.write(packed(rows.slice(1500)))
          return {
            logs: await db.selectFrom('logs').selectAll().orderBy('id').execute(),
            rejected: await db.selectFrom('rejected_lines').selectAll().orderBy('id').execute(),
          }
        }),
      )
    }

    const [copied, inserted] = stored
    assert.deepEqual(copied.logs.map(({id, ...row}) => row), rows)
    assert.deepEqual(copied, inserted)
    assert.deepEqual(copied.logs.map((row) => row.id), Array.from({length: rows.length}, (_, i) => i + 1))
  })

  test('a lone surrogate becomes U+FFFD on both paths', async (t) => {
    const row = {...hostileRow(1), msg: 'cut \uD83D here', raw_line: 'cut \uD83D here'}
    for (const copy of [true, false]) {
      const {url, cleanup} = await freshMigratedDatabase('postgres')
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        await new LogWriter(db, {copy}).write(packed([row]))
        const stored = await db.selectFrom('logs').select(['msg', 'raw_line']).executeTakeFirstOrThrow()
        assert.deepEqual(stored, {msg: 'cut \uFFFD here', raw_line: 'cut \uFFFD here'}, `copy: ${copy}`)
      })
    }
  })

  test('a NUL is refused by the server on both paths (22021), and the batch writes nothing', async (t) => {
    for (const copy of [true, false]) {
      const {url, cleanup} = await freshMigratedDatabase('postgres')
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const writer = new LogWriter(db, {copy})
        const error = await writer.write(packed([hostileRow(1), {...hostileRow(2), msg: 'a\0b'}, hostileRow(3)])).then(() => undefined, (error: unknown) => error)
        assert.ok(error instanceof DatabaseError, `copy: ${copy}: ${String(error)}`)
        assert.equal(error.code, '22021', `copy: ${copy}: ${error.message}`)
        assert.equal((await db.selectFrom('logs').selectAll().execute()).length, 0)
        await writer.write(packed([hostileRow(4)])) // the connection is still good
        assert.equal((await db.selectFrom('logs').selectAll().execute()).length, 1)
      })
    }
  })

  test('the copied rows and the progress step commit together: a conflicting step writes no row', async (t) => {
    const {url, cleanup} = await freshMigratedDatabase('postgres')
    t.after(cleanup)
    await withDatabase(url, async (db) => {
      await migrateToLatest(db)
      const writer = new LogWriter(db)
      const next = {key: 'file:1:2', path: '/var/log/decnet.log', fingerprint: 'f'.repeat(64), fingerprintBytes: 10, offset: 100, line: 2}
      await writer.write(packed([hostileRow(1), hostileRow(2)]), [], {expected: undefined, next})
      await assert.rejects(writer.write(packed([hostileRow(3)]), [], {expected: undefined, next: {...next, offset: 150, line: 3}}), SourceProgressConflict)
      assert.deepEqual((await db.selectFrom('logs').select('service').orderBy('id').execute()).map((row) => row.service), [hostileRow(1).service, hostileRow(2).service])
      const progress = await db.selectFrom('ingest_sources').select(['byte_offset', 'line_no']).executeTakeFirstOrThrow()
      assert.deepEqual([Number(progress.byte_offset), Number(progress.line_no)], [100, 2])
    })
  })
})
