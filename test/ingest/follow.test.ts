/**
 * Issue 18 §1: `decnet ingest --follow` follows files like `tail -F` and
 * stores every line once, across trickles, rotation (while running and while
 * stopped), truncation, a file that does not exist yet and SIGKILL; a pipe on
 * standard input is committed within --flush. The real CLI, real files, real
 * SQLite and PostgreSQL; every wait is on what the process says it did.
 */
import assert from 'node:assert/strict'
import {appendFileSync, mkdtempSync, renameSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test, type TestContext} from 'node:test'

import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'
import {startFollow} from '../helpers/follow-run.js'
import {countStored} from '../helpers/ingest-run.js'
import {numberedLines, storedCounts} from '../helpers/numbered-lines.js'

/** Lines `from`..`to` of a test log, and what they store (helpers/numbered-lines.ts). */
const LINES = (from: number, to: number, tag?: string): string => numberedLines(from, to, tag, '-')
const EXPECTED = storedCounts

const sum = (...parts: Array<[number, number]>): [number, number] => parts.reduce(([l, r], [a, b]) => [l + a, r + b], [0, 0])

const workDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-follow-'))
  t.after(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

const exactly = async (url: string, [logs, rejected]: [number, number]): Promise<void> =>
  assert.deepEqual(await countStored(url), {logs, distinctLogs: logs, rejected, distinctRejected: rejected})

/** The debug line printed after the commit that ends at line `line`, byte `byte` of `source`. */
const committed = (source: string, line: number, byte: number): string => `committed ${source}: up to line ${line}, byte ${byte}\n`

for (const kind of DATABASE_KINDS) {
  describe(`decnet ingest --follow (${kind})`, {skip: skipReason(kind)}, () => {
    const database = async (t: TestContext): Promise<string> => {
      const db = (await freshDatabase(kind))
      t.after(() => db.cleanup())
      return db.url
    }

    test('lines waiting at the end of the file are committed at once, not at the flush deadline, when they are a tenth of a batch or more', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      writeFileSync(file, LINES(1, 25))
      const url = await database(t)
      // 25 lines, a batch of 100: not a full batch, but more than a tenth of one; the deadline is 10 minutes away
      const run = startFollow(['--follow', file, '--db', url, '--batch', '100', '--flush', '600'])
      t.after(() => run.child.kill('SIGKILL'))
      await run.saw(committed(file, 25, statSync(file).size))
      await exactly(url, EXPECTED(1, 25))
      run.child.kill('SIGTERM')
      const exit = await run.done
      assert.equal(exit.code, 0, exit.stderr)
    })

    test('waits for a file that does not exist yet, then commits lines that trickle in one by one, without a full batch', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      const run = startFollow(['--follow', file, '--db', url, '--flush', '0.2'])
      t.after(() => run.child.kill('SIGKILL'))
      await run.saw(`waiting for ${file}: no such file (yet)`)
      for (let n = 1; n <= 5; n++) {
        appendFileSync(file, LINES(n, n))
        await run.saw(committed(file, n, statSync(file).size))
      }

      await exactly(url, EXPECTED(1, 5))
      run.child.kill('SIGTERM')
      const exit = await run.done
      assert.equal(exit.code, 0, exit.stderr)
      assert.match(exit.stdout, /accepted 5, rejected 0/)
    })

    test('SIGKILL mid-stream, then rotation while stopped: the rest of the old file, then the new one, each line once', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      writeFileSync(file, LINES(1, 20_000))
      const first = startFollow(['--follow', file, '--db', url, '--batch', '100'])
      t.after(() => first.child.kill('SIGKILL'))
      await first.saw(/committed .*: up to line (1\d{3}|[2-9]\d{3}),/) // past line 1000, not yet at the end
      first.child.kill('SIGKILL')
      assert.equal((await first.done).signal, 'SIGKILL')
      appendFileSync(file, LINES(20_001, 21_000)) // written after the kill, before the rotation
      renameSync(file, `${file}.1`)
      writeFileSync(file, LINES(1, 500, 'b'))

      const second = startFollow(['--follow', file, '--db', url, '--batch', '100', '--json'])
      t.after(() => second.child.kill('SIGKILL'))
      await second.saw(committed(file, 21_000, statSync(`${file}.1`).size))
      await second.saw(committed(file, 500, statSync(file).size))
      second.child.kill('SIGTERM')
      const exit = await second.done
      assert.equal(exit.code, 0, exit.stderr)
      const summary = JSON.parse(exit.stdout)
      assert.equal(summary.sources[0].rotations, 1)
      assert.equal(summary.stopped.by, 'SIGTERM')
      await exactly(url, sum(EXPECTED(1, 21_000), EXPECTED(1, 500)))
    })

    test('rotation while running (rename, lines still written to the old file, then create) and truncation in place', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      writeFileSync(file, LINES(1, 300))
      const run = startFollow(['--follow', file, '--db', url, '--flush', '0.2'])
      t.after(() => run.child.kill('SIGKILL'))
      let at = await run.saw(committed(file, 300, statSync(file).size))
      renameSync(file, `${file}.1`)
      appendFileSync(`${file}.1`, LINES(301, 400)) // the writer has not reopened yet
      at = await run.saw(committed(file, 400, statSync(`${file}.1`).size), at)
      writeFileSync(file, LINES(1, 200, 'b'))
      at = await run.saw(`${file} was rotated`, at)
      at = await run.saw(committed(file, 200, statSync(file).size), at)
      truncateSync(file, 0) // copytruncate: the file is emptied in place
      at = await run.saw(`${file} was truncated`, at)
      appendFileSync(file, LINES(1, 50, 'c'))
      await run.saw(committed(file, 50, statSync(file).size), at)
      await exactly(url, sum(EXPECTED(1, 400), EXPECTED(1, 200), EXPECTED(1, 50)))
      run.child.kill('SIGTERM')
      const exit = await run.done
      assert.equal(exit.code, 0, exit.stderr)
    })

    test('restarted on an unchanged file, it stores nothing again; on a grown one, only the new lines', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      writeFileSync(file, LINES(1, 700))
      const first = startFollow(['--follow', file, '--db', url])
      t.after(() => first.child.kill('SIGKILL'))
      await first.saw(committed(file, 700, statSync(file).size))
      first.child.kill('SIGKILL')
      await first.done
      appendFileSync(file, LINES(701, 750))
      const second = startFollow(['--follow', file, '--db', url, '--json'])
      t.after(() => second.child.kill('SIGKILL'))
      await second.saw(`following ${file} (`)
      await second.saw(committed(file, 750, statSync(file).size))
      second.child.kill('SIGTERM')
      const summary = JSON.parse((await second.done).stdout)
      assert.deepEqual([summary.sources[0].resumedAfter, summary.sources[0].lines], [700, 50])
      await exactly(url, EXPECTED(1, 750))
    })

    test('standard input that is a pipe is committed within --flush, line by line, without --follow', async (t) => {
      const url = await database(t)
      const run = startFollow(['-', '--db', url, '--flush', '0.2'])
      t.after(() => run.child.kill('SIGKILL'))
      let bytes = 0
      for (let n = 1; n <= 3; n++) {
        const text = LINES(n, n)
        bytes += Buffer.byteLength(text)
        run.child.stdin.write(text)
        await run.saw(committed('-', n, bytes))
      }

      await exactly(url, EXPECTED(1, 3))
      run.child.stdin.end()
      const exit = await run.done
      assert.equal(exit.code, 0, exit.stderr)
      assert.match(exit.stdout, /accepted 3, rejected 0/)
    })
  })
}
