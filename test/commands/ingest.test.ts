import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test, type TestContext} from 'node:test'
import {fileURLToPath} from 'node:url'

import {withDatabase} from '../../src/db/open.js'
import {ExitCode} from '../../src/exit-codes.js'
import {DATABASE_KINDS, freshDatabase, skipReason, type DatabaseKind} from '../helpers/databases.js'
import {defined} from '../helpers/defined.js'
import {collect, runCli, type CliResult, type RunCliOptions} from '../helpers/run-cli.js'

const SAMPLE = fileURLToPath(new URL('../../samples/decnet-sample.log', import.meta.url))
const GOOD = (n: number, ip = '203.0.113.7'): string => `<38>1 2026-11-26T13:32:${String(n).padStart(2, '0')}.000Z decky-01 ssh 1 login_failed [relay@55555 src_ip="${ip}"] attempt ${n}`

const workDir = (t: TestContext): string => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-ingest-'))
  chmodSync(dir, 0o755)
  t.after(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

/** Runs `decnet ingest` against a fresh database of `kind`; returns the run and the url. */
async function ingestInto(t: TestContext, kind: DatabaseKind, args: string[], options: RunCliOptions = {}): Promise<{run: CliResult; url: string}> {
  const db = await freshDatabase(kind)
  t.after(db.cleanup)
  const run = await runCli(['ingest', ...args, '--db', db.url], options)
  return {run, url: db.url}
}

const stored = (url: string) =>
  withDatabase(url, async (db) => ({
    logs: await db.selectFrom('logs').selectAll().orderBy('id').execute(),
    rejected: await db.selectFrom('rejected_lines').selectAll().orderBy('id').execute(),
  }))

for (const kind of DATABASE_KINDS) {
  describe(`decnet ingest (${kind})`, {skip: skipReason(kind)}, () => {
    test('the shipped sample: every valid line lands, every junk line is stored with its line number', async (t) => {
      const {run, url} = await ingestInto(t, kind, [SAMPLE])
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.stdout.trim(), 'accepted 47, rejected 5')
      const {logs, rejected} = await stored(url)
      assert.equal(logs.length, 47)
      assert.deepEqual(rejected.map((r) => [r.source, r.line_no]), [8, 43, 44, 45, 46].map((n) => [SAMPLE, n]))
      assert.deepEqual(rejected.map((r) => r.reason), [
        'missing PRI (the line does not start with "<")',
        'not RFC 5424: no version after PRI (RFC 3164 lines are not supported)',
        'bad timestamp "2026-11-20T25:00:00Z"',
        'unterminated SD element',
        'control byte \\x1b in line (at character 1, 2 in all); stored escaped (\\xNN; a backslash as \\\\)',
      ])
      assert.deepEqual(new Set(logs.map((l) => l.attacker_ip)), new Set(['203.0.113.7', '198.51.100.23', '2001:db8::bad:cafe', '192.0.2.44', '192.0.2.200', '198.51.100.77', null]))
      const cmd = logs.find((l) => l.msg?.startsWith('CMD ') && l.msg.includes('cat /etc/passwd'))
      assert.deepEqual(JSON.parse(defined(cmd, 'the cat /etc/passwd command').fields), {uid: '0', user: 'root', src: '203.0.113.7', pwd: '/root', cmd: 'cat /etc/passwd'})
    })

    test('mixed lines from standard input: valid neighbours land in order, bad ones are stored, blanks skipped', async (t) => {
      const input = [GOOD(1), 'junk one', GOOD(2), '', '<38>1 2026-11-26T99:00:00Z d s - e -', GOOD(3), '   ', GOOD(4)].join('\n')
      const {run, url} = await ingestInto(t, kind, ['--json'], {input})
      assert.equal(run.code, 0, run.stderr)
      const bytes = Buffer.byteLength(input)
      assert.deepEqual(JSON.parse(run.stdout), {accepted: 4, rejected: 2, sources: [{source: '-', resumable: false, accepted: 4, rejected: 2, blank: 2, lines: 8, lastLine: 8, offset: bytes}]})
      const {logs, rejected} = await stored(url)
      assert.deepEqual(logs.map((l) => l.msg), ['attempt 1', 'attempt 2', 'attempt 3', 'attempt 4'])
      assert.deepEqual(rejected.map((r) => [r.source, r.line_no, r.raw_line]), [['-', 2, 'junk one'], ['-', 5, '<38>1 2026-11-26T99:00:00Z d s - e -']])
      assert.ok(rejected.every((r) => /^\d{4}-\d\d-\d\dT.*Z$/.test(r.received_at)))
    })

    test('"-" reads standard input too; small batches still land every line', async (t) => {
      const input = Array.from({length: 250}, (_, i) => GOOD(i % 60, `192.0.2.${i % 200}`)).join('\n') + '\n'
      const {run, url} = await ingestInto(t, kind, ['-', '--batch', '7'], {input})
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.stdout.trim(), 'accepted 250, rejected 0')
      assert.equal((await stored(url)).logs.length, 250)
    })

    test('a database that cannot be reached: exit DATABASE with the reason', async (t) => {
      const url = kind === 'sqlite' ? `sqlite:${join(workDir(t), 'file')}/x/db.sqlite` : 'postgres://decnet@127.0.0.1:1/decnet'
      if (kind === 'sqlite') writeFileSync(join(url.slice('sqlite:'.length).split('/x/')[0]), 'not a directory')
      const run = await runCli(['ingest', SAMPLE, '--db', url])
      assert.equal(run.code, ExitCode.DATABASE, run.stderr)
      assert.match(run.stderr, kind === 'sqlite' ? /cannot use directory .*\/file\/x for sqlite/ : /cannot connect to postgresql at 127\.0\.0\.1:1: connection refused/)
    })
  })
}

describe('decnet ingest: inputs that cannot be read', () => {
  test('a missing file: exit INPUT_UNREADABLE naming it; the other files still land', async (t) => {
    const dir = workDir(t)
    const good = join(dir, 'good.log')
    writeFileSync(good, `${GOOD(1)}\n${GOOD(2)}\n`)
    const missing = join(dir, 'missing.log')
    const run = await runCli(['ingest', missing, good, '--json'], {env: {DECNET_DATA_DIR: join(dir, 'data')}})
    assert.equal(run.code, ExitCode.INPUT_UNREADABLE, run.stderr)
    assert.match(run.stderr, new RegExp(`cannot read ${missing}: no such file`))
    const summary = JSON.parse(run.stdout)
    assert.equal(summary.accepted, 2)
    assert.deepEqual(summary.sources[0], {source: missing, resumable: false, accepted: 0, rejected: 0, blank: 0, lines: 0, lastLine: 0, offset: 0, error: {kind: 'unreadable', code: 'ENOENT', message: `cannot read ${missing}: no such file`}})
    assert.ok(existsSync(join(dir, 'data', 'db', 'decnet.sqlite')), 'the default database lives in DECNET_DATA_DIR/db')
  })

  test('a directory: exit INPUT_UNREADABLE, "is a directory"', async (t) => {
    const dir = workDir(t)
    const run = await runCli(['ingest', dir], {env: {DECNET_DATA_DIR: join(dir, 'data')}})
    assert.equal(run.code, ExitCode.INPUT_UNREADABLE)
    assert.match(run.stderr, new RegExp(`cannot read ${dir}: is a directory`))
    assert.equal(run.stdout.trim(), 'accepted 0, rejected 0')
  })

  test('a file without read permission: exit INPUT_UNREADABLE, "permission denied"', async (t) => {
    const dir = workDir(t)
    const secret = join(dir, 'secret.log')
    writeFileSync(secret, `${GOOD(1)}\n`)
    chmodSync(secret, 0o000)
    chmodSync(dir, 0o777) // the database directory must be writable by the unprivileged user
    const asNobody = process.getuid?.() === 0 ? {uid: 65_534, gid: 65_534} : {}
    const run = await runCli(['ingest', secret], {...asNobody, env: {DECNET_DATA_DIR: join(dir, 'data')}})
    assert.equal(run.code, ExitCode.INPUT_UNREADABLE, run.stderr)
    assert.match(run.stderr, new RegExp(`cannot read ${secret}: permission denied`))
  })

  test('binary junk: exit INPUT_BINARY naming it, its refusal (not its lines) stored; the next file still lands', async (t) => {
    const dir = workDir(t)
    const binary = join(dir, 'core.bin')
    writeFileSync(binary, Buffer.concat([Buffer.from('\x7fELF'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0]), Buffer.alloc(20_000, 7), Buffer.from(`\n${GOOD(1)}\n`)]))
    const good = join(dir, 'good.log')
    writeFileSync(good, `${GOOD(5)}\n`)
    const url = `sqlite:${join(dir, 'db.sqlite')}`
    const run = await runCli(['ingest', binary, good, '--db', url])
    assert.equal(run.code, ExitCode.INPUT_BINARY, run.stderr)
    assert.match(run.stderr, new RegExp(`${binary} is not text \\(binary data\\); the refusal is in rejected_lines`))
    assert.equal(run.stdout.trim(), 'accepted 1, rejected 1')
    const {logs, rejected} = await stored(url)
    assert.deepEqual(logs.map((l) => l.msg), ['attempt 5'])
    assert.deepEqual(rejected.map((r) => [r.source, r.line_no]), [[binary, 0]])
    assert.match(rejected[0].reason, /^input refused as binary: 8189 of its first 8192 bytes are not text/)
    assert.equal(rejected[0].raw_line, `\\x7fELF\\x00\\x01\\x02\\x03\\xff\\xfe\\x00${'\\x07'.repeat(256 - 11)}`)
  })

  test('the exit code is that of the first failed input', async (t) => {
    const dir = workDir(t)
    const binary = join(dir, 'x.bin')
    writeFileSync(binary, Buffer.alloc(100, 0))
    const run = await runCli(['ingest', binary, join(dir, 'missing'), '--db', `sqlite:${join(dir, 'db.sqlite')}`])
    assert.equal(run.code, ExitCode.INPUT_BINARY)
  })
})

describe('decnet ingest: SQLite shared with other processes', () => {
  test('two ingests into one file at once both land everything', async (t) => {
    const dir = workDir(t)
    const files = ['a', 'b'].map((name, k) => {
      const path = join(dir, `${name}.log`)
      writeFileSync(path, Array.from({length: 3000}, (_, i) => GOOD(i % 60, `192.0.2.${k * 100 + (i % 100)}`)).join('\n'))
      return path
    })
    const url = `sqlite:${join(dir, 'db.sqlite')}`
    const runs = await Promise.all(files.map((file) => runCli(['ingest', file, '--db', url, '--batch', '100'])))
    for (const run of runs) assert.equal(run.code, 0, run.stderr)
    assert.equal((await stored(url)).logs.length, 6000)
  })

  test('waits (busy timeout) while another process holds the write lock, then lands everything', async (t) => {
    const dir = workDir(t)
    const path = join(dir, 'db.sqlite')
    const url = `sqlite:${path}`
    await runCli(['db', 'migrate', '--db', url])
    // a holder process takes the write lock and keeps it until told to let go
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      import Database from 'better-sqlite3'
      const db = new Database(${JSON.stringify(path)})
      db.exec('begin immediate')
      process.stdout.write('locked\\n')
      process.stdin.once('data', () => { db.exec('commit'); db.close(); process.exit(0) })`], {cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['pipe', 'pipe', 'inherit']})
    t.after(() => holder.exitCode === null && holder.kill('SIGKILL'))
    await new Promise((resolve, reject) => {
      holder.stdout.once('data', resolve)
      holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)))
    })
    const ingest = spawn(process.execPath, [fileURLToPath(new URL('../../bin/run.js', import.meta.url)), 'ingest', '--db', url], {stdio: ['pipe', 'pipe', 'pipe']})
    const done = collect(ingest, {input: `${GOOD(1)}\n${GOOD(2)}\n`})
    await waitUntilWaitingForLock(defined(ingest.pid, 'the ingest pid'), path)
    holder.stdin.write('go\n')
    const run = await done
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout.trim(), 'accepted 2, rejected 0')
    assert.equal((await stored(url)).logs.length, 2)
  })
})

/**
 * Resolves once the process has the database open and is sleeping in SQLite's
 * busy handler (its main thread in nanosleep / clock_nanosleep), read from /proc.
 */
async function waitUntilWaitingForLock(pid: number, path: string): Promise<void> {
  const sleeping = new Set(process.arch === 'arm64' ? ['101', '115'] : ['35', '230'])
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const open = readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path
      } catch {
        return false // the descriptor closed while we looked
      }
    })
    if (open && sleeping.has(readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0])) return
    await new Promise((resolve) => setImmediate(resolve))
  }

  throw new Error('the ingest never waited for the lock')
}
