import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {describe, test} from 'node:test'

import {migrateToLatest} from '../../src/db/migrate.js'
import {withDatabase} from '../../src/db/open.js'
// ingest() from dist/: its parse thread is a Worker started from the file next to it (parse-thread.js), which src/ does not have
import {ingest, type IngestProgress} from '../../dist/ingest/ingest.js'
import {DATABASE_KINDS, freshMigratedDatabase, skipReason} from '../helpers/databases.js'

const line = (i: number): string => `<38>1 2026-11-26T13:32:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z decky-${i % 4} ssh ${i} login_failed [relay@55555 src_ip="192.0.2.${i % 200}"] attempt ${i}`

for (const kind of DATABASE_KINDS) {
  describe(`ingest() (${kind})`, {skip: skipReason(kind)}, () => {
    test('parse thread or not, the same rows land in the same order, with the same rejections and counts', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'decnet-ingest-unit-'))
      t.after(() => rmSync(dir, {recursive: true, force: true}))
      const text = Array.from({length: 5000}, (_, i) => (i % 97 === 0 ? `junk ${i}` : i % 101 === 0 ? '' : line(i))).join('\n')
      const file = join(dir, 'a.log')
      writeFileSync(file, text)
      const results = []
      for (const threads of [true, false]) {
        const {url, cleanup} = (await freshMigratedDatabase(kind))
        t.after(cleanup)
        results.push(
          await withDatabase(url, async (db) => {
            await migrateToLatest(db)
            const progress: IngestProgress[] = []
            const summary = await ingest(db, [file, '-'], {threads, batchSize: 333, stdin: Readable.from([Buffer.from(`${line(1)}\nbad\n`)]), onProgress: (p) => progress.push(p)})
            const logs = await db.selectFrom('logs').select(['timestamp', 'decky', 'attacker_ip', 'raw_line', 'fields', 'msg']).orderBy('id').execute()
            const rejected = await db.selectFrom('rejected_lines').select(['source', 'line_no', 'reason', 'raw_line']).orderBy('id').execute()
            assert.ok(progress.length > 10, 'progress after every batch')
            assert.equal(progress.at(-1)?.bytesRead, Buffer.byteLength(`${line(1)}\nbad\n`))
            return {summary, logs, rejected}
          }),
        )
      }

      const [threaded, inline] = results
      assert.deepEqual(threaded, inline)
      const junk = Array.from({length: 5000}, (_, i) => i).filter((i) => i % 97 === 0)
      const blank = Array.from({length: 5000}, (_, i) => i).filter((i) => i % 101 === 0 && i % 97 !== 0)
      assert.deepEqual(threaded.summary.sources[0], {source: file, resumable: true, accepted: 5000 - junk.length - blank.length, rejected: junk.length, blank: blank.length, lines: 5000, lastLine: 5000, offset: Buffer.byteLength(text)})
      assert.deepEqual(threaded.summary.sources[1], {source: '-', resumable: false, accepted: 1, rejected: 1, blank: 0, lines: 2, lastLine: 2, offset: Buffer.byteLength(`${line(1)}\nbad\n`)})
      assert.deepEqual(threaded.rejected.slice(0, 2), [
        {source: file, line_no: 1, reason: 'missing PRI (the line does not start with "<")', raw_line: 'junk 0'},
        {source: file, line_no: 98, reason: 'missing PRI (the line does not start with "<")', raw_line: 'junk 97'},
      ])
    })

    test('a binary file in the parse thread is an input error; only its refusal is stored', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'decnet-ingest-unit-'))
      t.after(() => rmSync(dir, {recursive: true, force: true}))
      const file = join(dir, 'x.bin')
      writeFileSync(file, Buffer.from([1, 0, 2, 0, 3]))
      const {url, cleanup} = (await freshMigratedDatabase(kind))
      t.after(cleanup)
      await withDatabase(url, async (db) => {
        await migrateToLatest(db)
        const summary = await ingest(db, [file])
        assert.deepEqual(summary.sources[0].error, {kind: 'binary', code: undefined, message: `${file} is not text (binary data); the refusal is in rejected_lines`})
        assert.equal((await db.selectFrom('logs').selectAll().execute()).length, 0)
        const rejected = await db.selectFrom('rejected_lines').select(['line_no', 'raw_line']).execute()
        assert.deepEqual(rejected, [{line_no: 0, raw_line: '\\x01\\x00\\x02\\x00\\x03'}])
      })
    })
  })
}
