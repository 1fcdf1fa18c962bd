/**
 * Item 6 of "Trust": errors say what happened. The real CLI against real
 * SQLite files: a full disk (a real one: a small tmpfs, which needs root;
 * skipped with the reason otherwise), a read-only file system, a corrupt
 * file, and a database file deleted or replaced under a running ingest.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {copyFileSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeSync, closeSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test, type TestContext} from 'node:test'

import {ExitCode} from '../../src/exit-codes.js'
import {unwrap} from '../helpers/decnet-cli.js'
import {countStored, startIngest} from '../helpers/ingest-run.js'
import {runCli} from '../helpers/run-cli.js'

const LINE = (n: number): string => `<38>1 2026-11-26T13:32:${String(n % 60).padStart(2, '0')}.000Z decky-${n % 4} ssh 1 login_failed [relay@55555 src_ip="192.0.2.${n % 200}"] attempt ${n} ${'x'.repeat(100)}`
const LINES = (from: number, to: number): string => Array.from({length: to - from + 1}, (_, i) => `${LINE(from + i)}\n`).join('')

const workDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-dbfail-'))
  t.after(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

/** A tmpfs of `size` in a fresh directory, unmounted (lazily: a killed process may hold it) before the directory is removed. */
function tmpfs(t: TestContext, size: string): {dir: string; mount: string} {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-dbfail-'))
  const mount = join(dir, 'disk')
  execFileSync('mkdir', [mount])
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount])
  t.after(() => {
    execFileSync('umount', ['-l', mount])
    rmSync(dir, {recursive: true, force: true})
  })
  return {dir, mount}
}

const notRoot = process.getuid?.() === 0 ? undefined : 'needs root to mount a small tmpfs (a real full disk)'

describe('decnet ingest: a SQLite database that fails under the run', () => {
  test('a full disk (tmpfs of 1 MiB): exit DATABASE with SQLITE_FULL and the path, not a failed rollback; after making room a rerun stores the rest exactly', {skip: notRoot}, async (t) => {
    const {dir, mount} = tmpfs(t, '1m')
    const path = join(mount, 'decnet.sqlite')
    const file = join(dir, 'decnet.log')
    writeFileSync(file, LINES(1, 20_000)) // ~3 MiB of lines
    const full = await runCli(['ingest', file, '--db', `sqlite:${path}`, '--batch', '1000', '--json'], {timeoutMs: 120_000})
    assert.equal(full.code, ExitCode.DATABASE, full.stderr)
    assert.match(full.stderr, new RegExp(`decnet ingest: stopped: sqlite database ${path}: disk full \\(or the database reached its size limit\\); the transaction was rolled back: database or disk is full`))
    assert.doesNotMatch(full.stderr + full.stdout, /cannot rollback/)
    const {stopped, sources} = JSON.parse(full.stdout)
    assert.deepEqual([stopped.by, stopped.code], ['database', 'SQLITE_FULL'])
    execFileSync('mount', ['-o', 'remount,size=64m', mount])
    assert.equal((await countStored(`sqlite:${path}`)).logs, sources[0].lastLine, 'what it said was committed is what is stored')
    const rest = await runCli(['ingest', file, '--db', `sqlite:${path}`, '--json'], {timeoutMs: 120_000})
    assert.equal(rest.code, 0, rest.stderr)
    assert.equal(JSON.parse(rest.stdout).sources[0].resumedAfter, sources[0].lastLine)
    assert.deepEqual(await countStored(`sqlite:${path}`), {logs: 20_000, distinctLogs: 20_000, rejected: 0, distinctRejected: 0})
  })

  test('a read-only file system: exit DATABASE naming the file and saying it is not writable', {skip: notRoot}, async (t) => {
    const {dir, mount} = tmpfs(t, '16m')
    const path = join(mount, 'decnet.sqlite')
    const file = join(dir, 'decnet.log')
    writeFileSync(file, LINES(1, 100))
    assert.equal((await runCli(['ingest', file, '--db', `sqlite:${path}`])).code, 0)
    writeFileSync(file, LINES(1, 200))
    execFileSync('mount', ['-o', 'remount,ro', mount])
    const run = await runCli(['ingest', file, '--db', `sqlite:${path}`])
    assert.equal(run.code, ExitCode.DATABASE, run.stderr)
    assert.match(unwrap(run.stderr), new RegExp(`cannot open sqlite database ${path}: unable to open database file \\(read-only file system\\)`))
  })

  test('a corrupt file: exit DATABASE, "is corrupt", naming the file', async (t) => {
    const dir = workDir(t)
    const path = join(dir, 'decnet.sqlite')
    const file = join(dir, 'decnet.log')
    writeFileSync(file, LINES(1, 2000))
    assert.equal((await runCli(['ingest', file, '--db', `sqlite:${path}`])).code, 0)
    // every page after the first two (header, schema) overwritten with junk
    const fd = openSync(path, 'r+')
    const size = statSync(path).size
    writeSync(fd, Buffer.alloc(size - 8192, 0xa5), 0, size - 8192, 8192)
    closeSync(fd)
    writeFileSync(file, LINES(1, 3000))
    const run = await runCli(['ingest', file, '--db', `sqlite:${path}`])
    assert.equal(run.code, ExitCode.DATABASE, run.stderr)
    assert.match(unwrap(run.stderr), new RegExp(`sqlite database ${path} is corrupt: database disk image is malformed`))
  })

  test('the database file deleted after the last commit, before the run ends: exit DATABASE, not "accepted 100"', async (t) => {
    const path = join(workDir(t), 'decnet.sqlite')
    const run = startIngest(['--db', `sqlite:${path}`, '--batch', '100'], {keepStdin: true})
    run.child.stdin.write(LINES(1, 100))
    await run.committed(100)
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, {force: true})
    run.child.stdin.end() // nothing more: no batch left to commit, only the run's last check
    const {code, stderr} = await run.done
    assert.equal(code, ExitCode.DATABASE, stderr)
    assert.match(stderr, new RegExp(`decnet ingest: stopped: sqlite database ${path}: the database file was deleted while decnet had it open`))
    assert.doesNotMatch(stderr, /lines committed/, 'they went with the file')
  })

  for (const how of ['deleted', 'replaced']) {
    test(`the database file ${how} mid-run: exit DATABASE saying so, not "accepted N" with nothing kept`, async (t) => {
      const dir = workDir(t)
      const path = join(dir, 'decnet.sqlite')
      const other = join(dir, 'other.sqlite')
      await runCli(['db', 'migrate', '--db', `sqlite:${other}`])
      const run = startIngest(['--db', `sqlite:${path}`, '--batch', '100'], {keepStdin: true})
      run.child.stdin.write(LINES(1, 100))
      await run.committed(100)
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, {force: true})
      if (how === 'replaced') {
        copyFileSync(other, `${path}.new`)
        renameSync(`${path}.new`, path)
      }
      run.child.stdin.end(LINES(101, 200))
      const {code, stdout, stderr} = await run.done
      assert.equal(code, ExitCode.DATABASE, stderr)
      const what = how === 'deleted' ? 'was deleted' : 'was replaced by another file'
      assert.match(unwrap(stderr), new RegExp(`sqlite database ${path}: the database file ${what} while decnet had it open: what was written since is not in it`))
      assert.doesNotMatch(stdout, /accepted 200/)
    })
  }
})
