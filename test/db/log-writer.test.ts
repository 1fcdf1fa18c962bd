import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {DatabaseError} from '../../src/db/errors.js'
import {type LogInsert, LogWriter, type RejectedInsert} from '../../src/db/log-writer.js'
import {migrateToLatest} from '../../src/db/migrate.js'
import {PackedLogsBuilder} from '../../src/db/bulk/packed-logs.js'
import {withDatabase} from '../../src/db/open.js'
import {DATABASE_KINDS, freshMigratedDatabase, skipReason} from '../helpers/databases.js'

const logRow = (i: number): LogInsert => ({
  timestamp: `2026-11-26T13:32:${String(i % 60).padStart(2, '0')}.000Z`,
  decky: `decky-${i % 3}`,
  service: 'ssh',
  event_type: i % 2 ? 'command' : 'login_failed',
  attacker_ip: i % 5 ? `192.0.2.${i % 250}` : null,
  raw_line: `line ${i} with 'quotes' "and" \\ backslashes; drop table logs; --`,
  fields: JSON.stringify({n: String(i)}),
  msg: i % 7 ? `msg ${i}` : null,
})

for (const kind of DATABASE_KINDS) {
  describe(`LogWriter (${kind})`, {skip: skipReason(kind)}, () => {
    test('writes many rows in order across several statements, values intact', async (t) => {
      const {url, cleanup} = (await freshMigratedDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const writer = new LogWriter(db, {rowsPerStatement: 100})
        const rows = Array.from({length: 1234}, (_, i) => logRow(i))
        const rejected = [{source: 'a.log', line_no: 7, reason: 'bad PRI', raw_line: 'x', received_at: '2026-11-26T13:32:51.000Z'}]
        await writer.write(rows.slice(0, 1000), rejected)
        await writer.write(rows.slice(1000))
        await writer.write([], [])
        const stored = await db.selectFrom('logs').selectAll().orderBy('id').execute()
        assert.equal(stored.length, 1234)
        assert.deepEqual(stored.map(({id, ...row}) => row), rows)
        assert.ok(stored.every((row, i) => i === 0 || row.id > stored[i - 1].id))
        const storedRejected = await db.selectFrom('rejected_lines').selectAll().execute()
        assert.deepEqual(storedRejected.map(({id, ...row}) => row), rejected)
      })
    })

    test('packed rows (what ingest hands over) land exactly like rows given as objects', async (t) => {
      const {url, cleanup} = (await freshMigratedDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const rows = Array.from({length: 2500}, (_, i) => logRow(i)).map((row, i) => (i % 11 ? row : {...row, raw_line: `${row.raw_line} tail ü😈 ${i}`, msg: `tail ü😈 ${i}`}))
        const builder = new PackedLogsBuilder()
        for (const row of rows) builder.add(row)
        await new LogWriter(db, {rowsPerStatement: 700}).write(builder.take())
        const stored = await db.selectFrom('logs').selectAll().orderBy('id').execute()
        assert.deepEqual(stored.map(({id, ...row}) => row), rows)
      })
    })

    test('a failed batch writes nothing at all', async (t) => {
      const {url, cleanup} = (await freshMigratedDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const writer = new LogWriter(db, {rowsPerStatement: 10})
        // reason is NOT NULL: the database refuses this row, failing the whole batch
        const broken = [{source: 'a.log', line_no: 1, reason: null, raw_line: 'x', received_at: 'now'} as unknown as RejectedInsert]
        await assert.rejects(writer.write([logRow(1), logRow(2)], broken), DatabaseError)
        assert.equal((await db.selectFrom('logs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n, 0)
        await writer.write([logRow(3)])
        assert.equal((await db.selectFrom('logs').selectAll().execute()).length, 1)
      })
    })
  })
}
