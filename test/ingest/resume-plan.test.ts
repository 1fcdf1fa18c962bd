import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {migrateToLatest} from '../../src/db/migrate.js'
import {withDatabase} from '../../src/db/open.js'
import {type ProgressExpectation, type SourceProgress, SourceProgressConflict, advanceSourceProgress, readSourceProgress} from '../../src/db/source-progress.js'
import {fingerprint} from '../../src/ingest/fingerprint.js'
import {planResume} from '../../src/ingest/resume-plan.js'
import {DATABASE_KINDS, freshMigratedDatabase, skipReason} from '../helpers/databases.js'

const head = Buffer.from('<38>1 2026-11-26T13:32:51Z decky ssh 1 login - first line\n'.repeat(100)).subarray(0, 4096)
const stored = {key: 'file:1:2', path: '/var/log/decnet.log', fingerprint: fingerprint(head, 4096), fingerprintBytes: 4096, offset: 90_000, line: 1500}

describe('planResume', () => {
  test('no stored progress: from the start', () => {
    assert.deepEqual(planResume(undefined, {head, size: 10}, false), {start: {line: 0, offset: 0}})
  })

  test('the same file, as long or longer: after the last committed line', () => {
    assert.deepEqual(planResume(stored, {head, size: 90_000}, false), {start: {line: 1500, offset: 90_000}})
    assert.deepEqual(planResume(stored, {head, size: 200_000}, false), {start: {line: 1500, offset: 90_000}})
  })

  test('shorter than the offset: truncated; other first bytes: replaced; --from-start: from the start', () => {
    assert.deepEqual(planResume(stored, {head, size: 89_999}, false), {start: {line: 0, offset: 0}, restart: 'truncated'})
    const other = Buffer.from(head)
    other[4095] = 0x21
    assert.deepEqual(planResume(stored, {head: other, size: 200_000}, false), {start: {line: 0, offset: 0}, restart: 'replaced'})
    assert.deepEqual(planResume(stored, {head, size: 200_000}, true), {start: {line: 0, offset: 0}, restart: 'from-start'})
  })

  test('a stream (no size): only the fingerprint decides', () => {
    assert.deepEqual(planResume(stored, {head, size: undefined}, false), {start: {line: 1500, offset: 90_000}})
    assert.deepEqual(planResume(stored, {head: head.subarray(0, 100), size: undefined}, false), {start: {line: 0, offset: 0}, restart: 'replaced'})
  })
})

for (const kind of DATABASE_KINDS) {
  describe(`advanceSourceProgress (${kind})`, {skip: skipReason(kind)}, () => {
    test('moves a source only from where the writer saw it; another writer that saw an older state conflicts and writes nothing', async (t) => {
      const {url, cleanup} = (await freshMigratedDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const next = (offset: number, line: number): SourceProgress => ({...stored, offset, line})
        const step = (expected: ProgressExpectation, to: SourceProgress): Promise<void> => db.transaction().execute(async (trx) => {
          await advanceSourceProgress(trx, {expected, next: to})
          await trx.insertInto('rejected_lines').values({source: 'x', line_no: to.line, reason: 'r', raw_line: 'l', received_at: 'now'}).execute()
        })
        await step(undefined, next(100, 1))
        await assert.rejects(step(undefined, next(200, 2)), SourceProgressConflict, 'a second "first" writer')
        await step({offset: 100, line: 1}, next(300, 3))
        await assert.rejects(step({offset: 100, line: 1}, next(400, 4)), (error) => error instanceof SourceProgressConflict && /another decnet ingest committed lines of \/var\/log\/decnet\.log meanwhile/.test(error.message))
        assert.deepEqual(await readSourceProgress(db, stored.key), next(300, 3))
        assert.deepEqual((await db.selectFrom('rejected_lines').select('line_no').orderBy('line_no').execute()).map((r) => r.line_no), [1, 3], 'a conflict rolls back its rows')
      })
    })
  })
}
