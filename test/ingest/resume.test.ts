/**
 * Item 5 of "Trust": ingest stores every line exactly once. Each file's
 * progress is committed with its rows; reruns resume; rotation and
 * truncation are detected; SIGKILL and SIGINT at any moment (right after a
 * commit included) lose nothing and double nothing, counted by SQL. The real
 * CLI, real SQLite files, a real PostgreSQL server.
 */
import assert from 'node:assert/strict'
import {appendFileSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test, type TestContext} from 'node:test'

import pg from 'pg'

import {ExitCode} from '../../src/exit-codes.js'
import type {IngestSummary} from '../../src/ingest/ingest.js'
import {DATABASE_KINDS, freshDatabase, skipReason} from '../helpers/databases.js'
import {countStored, startIngest} from '../helpers/ingest-run.js'
import {runCli} from '../helpers/run-cli.js'
import {numberedLines, storedCounts} from '../helpers/numbered-lines.js'

/** Lines `from`..`to` of a test log, and what they store (helpers/numbered-lines.ts). */
const LINES = (from: number, to: number, tag?: string): string => numberedLines(from, to, tag, '1')
const EXPECTED = storedCounts

const workDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-resume-'))
  t.after(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

const ingestJson = async (args: string[], options?: {input?: string}): Promise<IngestSummary> => {
  const run = await runCli(['ingest', ...args, '--json'], {timeoutMs: 120_000, ...options})
  assert.equal(run.code, 0, run.stderr)
  return JSON.parse(run.stdout) as IngestSummary
}

const exactly = async (url: string, [logs, rejected]: readonly [number, number]): Promise<void> => assert.deepEqual(await countStored(url), {logs, distinctLogs: logs, rejected, distinctRejected: rejected})

for (const kind of DATABASE_KINDS) {
  describe(`decnet ingest: every line once (${kind})`, {skip: skipReason(kind)}, () => {
    const database = async (t: TestContext): Promise<string> => {
      const db = (await freshDatabase(kind))
      t.after(db.cleanup)
      return db.url
    }

    test('a rerun of a finished file stores nothing; a file that grew is read from where it stopped', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      writeFileSync(file, LINES(1, 1000))
      const first = await ingestJson([file, '--db', url, '--batch', '128'])
      assert.deepEqual(first.sources[0], {source: file, resumable: true, accepted: EXPECTED(1, 1000)[0], rejected: EXPECTED(1, 1000)[1], blank: 9, lines: 1000, lastLine: 1000, offset: statSync(file).size})
      const again = await ingestJson([file, '--db', url])
      assert.deepEqual(again.sources[0], {source: file, resumable: true, accepted: 0, rejected: 0, blank: 0, lines: 0, lastLine: 1000, offset: statSync(file).size, resumedAfter: 1000})
      await exactly(url, EXPECTED(1, 1000))
      appendFileSync(file, LINES(1001, 1500))
      const grown = await ingestJson([file, '--db', url])
      assert.deepEqual([grown.accepted, grown.rejected, grown.sources[0].resumedAfter, grown.sources[0].lastLine], [...EXPECTED(1001, 1500), 1000, 1500])
      await exactly(url, EXPECTED(1, 1500))
      const rejected = await runCli(['ingest', file, '--db', url])
      assert.equal(rejected.stdout.trim(), 'accepted 0, rejected 0')
    })

    test('rotation: the renamed file resumes where it stopped, the new file at the path is read from its start', async (t) => {
      const dir = workDir(t)
      const file = join(dir, 'decnet.log')
      const url = await database(t)
      writeFileSync(file, LINES(1, 300))
      await ingestJson([file, '--db', url])
      appendFileSync(file, LINES(301, 350)) // written after the run, before the rotation
      renameSync(file, `${file}.1`)
      writeFileSync(file, LINES(1, 120, 'b'))
      const summary = await ingestJson([`${file}.1`, file, '--db', url])
      assert.deepEqual(summary.sources.map((s) => [s.resumedAfter, s.restart, s.lines]), [[300, undefined, 50], [undefined, undefined, 120]])
      const [logs, rejected] = EXPECTED(1, 350)
      await exactly(url, [logs + EXPECTED(1, 120)[0], rejected + EXPECTED(1, 120)[1]])
    })

    test('a file truncated or rewritten in place (same inode) is read from its start, and says so', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      writeFileSync(file, LINES(1, 200))
      await ingestJson([file, '--db', url])
      writeFileSync(file, LINES(1, 50, 'b')) // shorter than what was committed
      const truncated = await runCli(['ingest', file, '--db', url, '--json'])
      assert.equal(truncated.code, 0, truncated.stderr)
      assert.deepEqual([(JSON.parse(truncated.stdout) as IngestSummary).sources[0].restart, (JSON.parse(truncated.stdout) as IngestSummary).sources[0].lines], ['truncated', 50])
      assert.match(truncated.stderr, new RegExp(`${file} was truncated since the last run: read from its start`))
      writeFileSync(file, LINES(1, 400, 'c')) // longer, but other first bytes
      const replaced = await ingestJson([file, '--db', url])
      assert.deepEqual([replaced.sources[0].restart, replaced.sources[0].lines], ['replaced', 400])
      const total = [EXPECTED(1, 200), EXPECTED(1, 50), EXPECTED(1, 400)].reduce(([l, r], [a, b]): [number, number] => [l + a, r + b])
      await exactly(url, total)
    })

    test('--from-start reads a finished file again (its lines stored twice, as asked)', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      writeFileSync(file, LINES(1, 100))
      await ingestJson([file, '--db', url])
      const again = await ingestJson([file, '--db', url, '--from-start'])
      assert.deepEqual([again.sources[0].restart, again.sources[0].lines], ['from-start', 100])
      const counts = await countStored(url)
      assert.deepEqual([counts.logs, counts.distinctLogs], [2 * EXPECTED(1, 100)[0], EXPECTED(1, 100)[0]])
      assert.deepEqual((await ingestJson([file, '--db', url])).sources[0].lines, 0, 'and then it is finished again')
    })

    test('standard input is stored as given; named with --source it resumes; a different stream under that name starts over', async (t) => {
      const url = await database(t)
      await ingestJson(['--db', url], {input: LINES(1, 100)})
      await ingestJson(['-', '--db', url], {input: LINES(1, 100)})
      const counts = await countStored(url)
      assert.equal(counts.logs, 2 * EXPECTED(1, 100)[0], 'anonymous standard input has no identity')
      const url2 = await database(t)
      const named = await ingestJson(['--db', url2, '--source', 'decky-host'], {input: LINES(1, 100)})
      assert.deepEqual([named.sources[0].source, named.sources[0].resumable, named.sources[0].lines], ['decky-host', true, 100])
      const more = await ingestJson(['--db', url2, '--source', 'decky-host'], {input: LINES(1, 130)})
      assert.deepEqual([more.sources[0].resumedAfter, more.sources[0].lines, more.sources[0].lastLine], [100, 30, 130])
      await exactly(url2, EXPECTED(1, 130))
      const other = await ingestJson(['--db', url2, '--source', 'decky-host'], {input: LINES(1, 10, 'z')})
      assert.deepEqual([other.sources[0].restart, other.sources[0].lines], ['replaced', 10])
      const usage = await runCli(['ingest', 'x.log', '--source', 'n', '--db', url2])
      assert.equal(usage.code, ExitCode.USAGE)
      assert.match(usage.stderr, /Expected `--source` to name standard input/)
    })

    test('SIGKILL at any moment, right after a commit included: a rerun stores the rest, nothing lost, nothing doubled', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      const total = 40_000
      writeFileSync(file, LINES(1, total))
      for (const after of [1, 5000, 17_000]) {
        const run = startIngest([file, '--db', url, '--batch', '500'])
        await run.committed(after)
        run.child.kill('SIGKILL') // the debug line is printed right after the commit returns
        const {signal} = await run.done
        assert.equal(signal, 'SIGKILL')
        const stored = await countStored(url)
        assert.equal(stored.logs, stored.distinctLogs, 'nothing doubled so far')
        assert.equal(stored.rejected, stored.distinctRejected)
      }

      const rest = await ingestJson([file, '--db', url])
      assert.ok((rest.sources[0].resumedAfter ?? 0) >= 17_000, JSON.stringify(rest.sources[0]))
      assert.equal(rest.sources[0].lastLine, total)
      await exactly(url, EXPECTED(1, total))
    })

    test('SIGINT (then SIGTERM) mid-run: exit 130 (143), says how far it got; a rerun stores the rest exactly', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      const total = 60_000
      writeFileSync(file, LINES(1, total))
      let committed = 0
      for (const [signal, exit] of [['SIGINT', ExitCode.INTERRUPTED], ['SIGTERM', ExitCode.TERMINATED]] as const) {
        const run = startIngest([file, '--db', url, '--batch', '500', '--json'])
        await run.committed(committed + 1)
        run.child.kill(signal)
        const {code, stdout, stderr} = await run.done
        assert.equal(code, exit, stderr)
        const summary = JSON.parse(stdout) as IngestSummary
        const source = summary.sources[0]
        assert.deepEqual(summary.stopped, {by: signal, message: `interrupted by ${signal}`})
        assert.ok(source.lastLine > committed && source.lastLine < total, JSON.stringify(source))
        assert.equal(source.lines, source.lastLine - committed)
        assert.match(stderr, new RegExp(`decnet ingest: interrupted by ${signal}\\n`))
        assert.match(stderr, new RegExp(`decnet ingest: ${file}: ${source.lines} lines committed by this run \\(last committed line ${source.lastLine}, byte ${source.offset}\\); a rerun resumes after it`))
        committed = source.lastLine
        await exactly(url, EXPECTED(1, committed)) // what it says it committed is what is stored
      }

      const rest = await ingestJson([file, '--db', url])
      assert.deepEqual([rest.sources[0].resumedAfter, rest.sources[0].lastLine], [committed, total])
      await exactly(url, EXPECTED(1, total))
    })

    test('SIGINT while standard input is still open: stops at once and says a rerun stores the stream again', async (t) => {
      const url = await database(t)
      const run = startIngest(['--db', url, '--batch', '100'], {keepStdin: true})
      run.child.stdin.write(LINES(1, 100))
      await run.committed(100)
      run.child.kill('SIGINT')
      const {code, stdout, stderr} = await run.done
      assert.equal(code, ExitCode.INTERRUPTED, stderr)
      assert.match(stderr, /standard input: 100 lines committed by this run \(last committed line 100, byte \d+\); standard input has no identity: a rerun stores it again from its start \(name it with --source NAME to resume\)/)
      assert.equal(stdout.trim(), `accepted ${EXPECTED(1, 100)[0]}, rejected ${EXPECTED(1, 100)[1]}`)
      await exactly(url, EXPECTED(1, 100))
    })

    test('two runs of the same file at once store it once', async (t) => {
      const file = join(workDir(t), 'decnet.log')
      const url = await database(t)
      writeFileSync(file, LINES(1, 20_000))
      await runCli(['db', 'migrate', '--db', url])
      const runs = await Promise.all([1, 2].map(() => runCli(['ingest', file, '--db', url, '--batch', '250', '--json'], {timeoutMs: 120_000})))
      for (const run of runs) assert.equal(run.code, 0, run.stderr)
      await exactly(url, EXPECTED(1, 20_000))
      const busy = runs.map((run) => (JSON.parse(run.stdout) as IngestSummary).sources[0].error).filter((error) => error !== undefined)
      for (const error of busy) assert.match(error.message, /another decnet ingest committed lines of .* meanwhile; stopped reading it here/)
    })
  })
}

describe('decnet ingest: the database lost mid-run (postgres)', {skip: skipReason('postgres')}, () => {
  test('exit DATABASE, the reason and how far it got; a rerun stores the rest exactly', async (t) => {
    const file = join(workDir(t), 'decnet.log')
    const {url, database, cleanup} = (await freshDatabase('postgres')) as {url: string; database: string; cleanup: () => Promise<void>}
    t.after(cleanup)
    const total = 60_000
    writeFileSync(file, LINES(1, total))
    const run = startIngest([file, '--db', url, '--batch', '500', '--json'])
    await run.committed(1)
    const admin = new pg.Client({connectionString: process.env.DECNET_TEST_PG_URL || url})
    await admin.connect()
    try {
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database])
    } finally {
      await admin.end()
    }

    const {code, stdout, stderr} = await run.done
    assert.equal(code, ExitCode.DATABASE, stderr)
    const summary = JSON.parse(stdout) as IngestSummary
    assert.equal(summary.stopped?.by, 'database')
    assert.match(stderr, /decnet ingest: stopped: (cannot connect to )?postgresql at [^:]+:\d+: /)
    const {lastLine, lines} = summary.sources[0]
    assert.ok(lastLine > 0 && lastLine < total && lines === lastLine, JSON.stringify(summary.sources[0]))
    assert.match(stderr, new RegExp(`${lines} lines committed by this run \\(last committed line ${lastLine}, byte \\d+\\); a rerun resumes after it`))
    await exactly(url, EXPECTED(1, lastLine))
    const rest = await ingestJson([file, '--db', url])
    assert.deepEqual([rest.sources[0].resumedAfter, rest.sources[0].lastLine], [lastLine, total])
    await exactly(url, EXPECTED(1, total))
  })
})
