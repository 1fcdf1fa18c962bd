// A PerRowQuery runs its statement once per row on SQLite, because of its type, not of its text:
// the same SQL as a plain query is a plain query.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {CompiledQuery, sql} from 'kysely'

import {openDatabase} from '../../src/db/open.js'
import {isPerRowQuery, perRowQuery} from '../../src/db/per-row-query.js'
import {objectRows} from '../../src/db/row-parameters.js'

describe('perRowQuery on SQLite', () => {
  it('runs the statement once per row, in one call, and counts the affected rows', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-per-row-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const db = await openDatabase(`sqlite:${join(dir, 'x.sqlite')}`)
    t.after(() => db.destroy())
    await sql`create table "t" ("a" text primary key, "b" integer)`.execute(db)

    const rows = [{a: 'x', b: 1}, {a: 'y', b: undefined}, {a: 'z', b: 3}]
    const insert = 'insert into "t" ("a", "b") values (?, ?) on conflict ("a") do nothing'
    const query = perRowQuery(insert, objectRows(rows, ['a', 'b']))
    assert.equal(isPerRowQuery(query), true)
    const result = await db.transaction().execute((trx) => trx.executeQuery(query))
    assert.equal(result.numAffectedRows, 3n)
    const stored = await sql<{a: string; b: null | number}>`select "a", "b" from "t" order by "a"`.execute(db)
    assert.deepEqual(stored.rows, [{a: 'x', b: 1}, {a: 'y', b: null}, {a: 'z', b: 3}])

    // a conflict counts nothing; an empty source runs nothing
    const again = await db.executeQuery(perRowQuery(insert, objectRows([{a: 'x', b: 9}], ['a', 'b'])))
    assert.equal(again.numAffectedRows, 0n)
    assert.equal((await db.executeQuery(perRowQuery(insert, objectRows([], ['a', 'b'])))).numAffectedRows, 0n)
  })

  it('gives no meaning to the SQL text: the old marker comment is a plain comment', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-per-row-'))
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const db = await openDatabase(`sqlite:${join(dir, 'x.sqlite')}`)
    t.after(() => db.destroy())
    await sql`create table "t" ("a" text primary key, "b" integer)`.execute(db)

    const plain = CompiledQuery.raw('/* decnet:run-per-row */ insert into "t" ("a", "b") values (?, ?)', ['x', 1])
    assert.equal(isPerRowQuery(plain), false)
    assert.equal((await db.executeQuery(plain)).numAffectedRows, 1n)
    const stored = await sql<{a: string; b: number}>`select "a", "b" from "t"`.execute(db)
    assert.deepEqual(stored.rows, [{a: 'x', b: 1}])
  })
})
