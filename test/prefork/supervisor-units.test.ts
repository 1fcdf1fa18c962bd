// The supervisor's policy pieces on their own: backoff, line prefixing, environment
// allow-list, exit records, IPC credentials, option validation.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Writable} from 'node:stream'
import {test} from 'node:test'

import {Backoff} from '../../src/prefork/backoff.js'
import {accountOf, childEnvironment, forkEnvironment, profileNeedsDatabase} from '../../src/prefork/env.js'
import {fromWireCredentials, toWireCredentials} from '../../src/prefork/messages.js'
import {type LogLevel, resolveSettings} from '../../src/prefork/options.js'
import {PrefixedLines} from '../../src/prefork/output.js'
import {startMessage} from '../../src/prefork/slot.js'
import {heartbeatIntervalMs} from '../../src/prefork/watchdog.js'
import {describeExit, type ExitCause, type ReapedChild, workerExit} from '../../src/prefork/worker-exit.js'
import {fleetOf} from '../helpers/fake-children.js'

test('backoff: doubles from the initial delay, caps, jitters downwards only, resets after stable uptime', () => {
  const none = new Backoff({initialMs: 1000, maxMs: 30_000, random: () => 0, stableMs: 60_000})
  assert.deepEqual(
    Array.from({length: 7}, () => none.next(10)),
    [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
  )
  assert.equal(none.next(60_000), 1000, 'a worker up for stableMs starts over')
  const most = new Backoff({maxMs: 30_000, random: () => 0.999_999, stableMs: 60_000})
  const delays = Array.from({length: 6}, () => most.next(0))
  assert.equal(delays[0], 800, 'default 1 s, shortened by at most 20%')
  for (let i = 1; i < 5; i++) assert.ok(delays[i] > 1000 * 2 ** (i - 1), 'still longer than the whole previous delay')
  assert.ok(delays[5] <= 30_000)
})

test('backoff: each worker has its own', () => {
  const a = new Backoff({maxMs: 10_000, random: () => 0, stableMs: 1000})
  const b = new Backoff({maxMs: 10_000, random: () => 0, stableMs: 1000})
  a.next(0)
  a.next(0)
  assert.equal(a.next(0), 4000)
  assert.equal(b.next(0), 1000)
})

test('heartbeat: a third of the watchdog period (a second or more from 3 s up), none when off', () => {
  assert.equal(heartbeatIntervalMs(30_000), 10_000, 'the default watchdog beats every 10 s, not every second')
  assert.equal(heartbeatIntervalMs(3000), 1000)
  assert.equal(heartbeatIntervalMs(2000), 666, 'a short watchdog is beaten faster than once a second, to stay inside it')
  assert.equal(heartbeatIntervalMs(1000), 333)
  assert.equal(heartbeatIntervalMs(600), 200)
  assert.equal(heartbeatIntervalMs(0), 0)
  assert.equal(heartbeatIntervalMs(3), 10, 'never more than 100 beats a second')
})

function sink(): {out: Writable; writes: string[]} {
  const writes: string[] = []
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(String(chunk))
      done()
    },
  })
  return {out, writes}
}

test('prefixed lines: whole lines per write, partial lines held until complete, CRLF, tail on end, long lines split', () => {
  const {out, writes} = sink()
  const lines = new PrefixedLines('w', out, 10)
  lines.push('ab')
  assert.deepEqual(writes, [])
  lines.push('c\r\nde\nf')
  lines.push('0123456789xyz')
  lines.end()
  lines.end()
  assert.deepEqual(writes, ['w | abc\n', 'w | de\n', 'w | f012345678\n', 'w | 9xyz\n'])
})

test('environment: allow-list, DECNET_* and extras; secrets dropped; the target user\'s HOME/USER', () => {
  const parent = {AWS_SECRET_ACCESS_KEY: 's', DECNET_X: '1', HOME: '/root', LC_ALL: 'C', PATH: '/bin', PGPASSWORD: 'p', SSH_AUTH_SOCK: '/x', USER: 'root'}
  const env = childEnvironment(parent, {DECNET_DB_URL: 'sqlite:x', PATH: '/usr/bin'}, {account: {home: '/nonexistent', name: 'nobody'}})
  assert.deepEqual(env, {DECNET_DB_URL: 'sqlite:x', DECNET_X: '1', HOME: '/nonexistent', LC_ALL: 'C', LOGNAME: 'nobody', PATH: '/usr/bin', USER: 'nobody'})
  const forked = forkEnvironment(env, parent)
  assert.equal(forked.PGPASSWORD, undefined)
  assert.ok('PGPASSWORD' in forked, 'masked explicitly: node:cluster merges the master env under it')
  assert.equal(forked.PATH, '/usr/bin')
})

test("environment: libpq's PG* settings pass only when the profile needs a database, and nothing else new", () => {
  const parent = {AWS_SECRET_ACCESS_KEY: 's', PATH: '/bin', PGDATA: '/var/lib/pg', PGPASSFILE: '/etc/decnet/pgpass', PGPASSWORD: 'p', PGSERVICE: 'decnet', PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/ca.pem', PG_SECRET: 'x'}
  const env = childEnvironment(parent, {}, {database: true})
  assert.deepEqual(env, {PATH: '/bin', PGPASSFILE: '/etc/decnet/pgpass', PGPASSWORD: 'p', PGSERVICE: 'decnet', PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/ca.pem'})
  assert.deepEqual(childEnvironment(parent, {}, {database: false}), {PATH: '/bin'})
  assert.deepEqual(childEnvironment(parent), {PATH: '/bin'})
  assert.equal(profileNeedsDatabase('database'), true)
  for (const profile of ['docker', 'net-raw', 'root'] as const) assert.equal(profileNeedsDatabase(profile), false, profile)
})

test('accountOf reads /etc/passwd', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-passwd-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const file = join(dir, 'passwd')
  writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n')
  assert.deepEqual(accountOf(65534, file), {home: '/nonexistent', name: 'nobody'})
  assert.equal(accountOf(4242, file), undefined)
  assert.equal(accountOf(0, join(dir, 'missing')), undefined)
})

const child: ReapedChild = {asked: false, bootError: undefined, greeted: true, killCause: undefined, name: 'w', pid: 42, uptimeMs: 1500.4}
const words = {graceMs: 15_000, once: false, watchdogMs: 30_000}

test('exit records: each way a child ends gets its cause, flags and sentence', () => {
  const cases: Array<[ReapedChild, number | null, NodeJS.Signals | null, ExitCause, LogLevel, string]> = [
    [{...child, asked: true}, 0, null, 'stopped', 'info', 'worker w (pid 42) stopped'],
    [{...child, asked: true}, null, 'SIGTERM', 'stopped', 'info', 'worker w (pid 42) stopped'],
    [{...child, asked: true, killCause: 'grace'}, null, 'SIGKILL', 'killed-after-grace', 'warn', 'worker w (pid 42) did not stop within 15000 ms; killed (SIGKILL)'],
    [{...child, killCause: 'hung'}, null, 'SIGKILL', 'hung', 'error', 'worker w (pid 42) hung: no heartbeat for over 30000 ms; killed by the watchdog (SIGKILL)'],
    [child, 1, null, 'crashed', 'error', 'worker w (pid 42) crashed (exit code 1)'],
    [child, null, 'SIGKILL', 'signaled', 'error', 'worker w (pid 42) killed by SIGKILL, not sent by decnet (OOM killer?)'],
    [child, null, 'SIGSEGV', 'signaled', 'error', 'worker w (pid 42) killed by SIGSEGV, not sent by decnet'],
    [child, 0, null, 'exited', 'warn', 'worker w (pid 42) exited (code 0) without being asked'],
    [{...child, bootError: 'module /m.js not found'}, 78, null, 'boot-failed', 'error', 'worker w (pid 42) could not boot: module /m.js not found'],
    [{...child, greeted: false}, 9, null, 'boot-failed', 'error', 'worker w (pid 42) could not boot: exit code 9'],
  ]
  for (const [reaped, code, signal, cause, level, text] of cases) {
    const exit = workerExit(reaped, code, signal)
    assert.equal(exit.cause, cause, JSON.stringify({code, reaped, signal}))
    assert.deepEqual(describeExit(exit, words), {level, text})
    assert.equal(exit.uptimeMs, 1500)
    assert.equal(exit.forciblyKilled, reaped.killCause !== undefined)
    assert.equal(exit.hung, reaped.killCause === 'hung')
  }
})

test('credentials survive JSON IPC; malformed ones are refused', () => {
  const creds = {capBnd: (1n << 41n) - 1n, capEff: 1n << 13n, egid: 1, euid: 2, gid: 3, groups: [4, 5], uid: 6}
  const wire = JSON.parse(JSON.stringify(toWireCredentials(creds)))
  assert.deepEqual(fromWireCredentials(wire), creds)
  assert.throws(() => fromWireCredentials({...wire, uid: -1}), /malformed credentials/)
  assert.throws(() => fromWireCredentials({...wire, capEff: 'zz'}), /malformed credentials/)
  // what a broken child could send over IPC (JSON, so untyped): the check must not trust the type
  assert.throws(() => fromWireCredentials(JSON.parse('null')), /malformed credentials/)
})

test('options: defaults, and one message shape for a bad value', () => {
  const fleet = fleetOf([{name: 'w'}], {name: 'f'})
  const settings = resolveSettings({fleet})
  assert.deepEqual(
    [settings.graceMs, settings.maxBackoffMs, settings.watchdogMs, settings.stableMs, settings.initialBackoffMs, settings.once],
    [15_000, 30_000, 30_000, 60_000, 1000, false],
  )
  assert.throws(() => resolveSettings({fleet, graceMs: -1}), {message: 'Expected `graceMs` to be a non-negative number of milliseconds, got `-1`'})
  assert.throws(() => resolveSettings({fleet, uid: 1.5}), {message: 'Expected `uid` to be a non-negative integer, got `1.5`'})
  assert.throws(() => resolveSettings({fleet: fleetOf([], {name: 'f'})}), /at least one worker/)
})

test('options: the database goes to every worker once parsed, in its start message, and as DECNET_DB_URL', () => {
  const fleet = fleetOf([{modulePath: '/nonexistent/w.js', name: 'w', options: {interval: 2.5}}], {name: 'f'})
  const [worker] = fleet.workers
  const sqlite = resolveSettings({database: {kind: 'sqlite', path: '/var/lib/decnet/db/decnet.sqlite'}, env: {DECNET_DB_URL: 'stale', EXTRA: '1'}, fleet})
  assert.deepEqual(sqlite.env, {DECNET_DB_URL: 'sqlite:/var/lib/decnet/db/decnet.sqlite', EXTRA: '1'})
  assert.deepEqual(startMessage(worker, sqlite).database, {kind: 'sqlite', path: '/var/lib/decnet/db/decnet.sqlite'})
  const postgres = resolveSettings({database: {kind: 'postgres', url: 'postgres://decnet@db/decnet'}, fleet})
  assert.deepEqual(postgres.env, {DECNET_DB_URL: 'postgres://decnet@db/decnet'})
  assert.equal('database' in startMessage(worker, resolveSettings({fleet})), false, 'no database: none in the message')
})

test("the child entry's static import graph is node builtins, messages.js, credentials.js, flushed.js and inherited-descriptors.js only", async () => {
  const {readFileSync} = await import('node:fs')
  const {fileURLToPath} = await import('node:url')
  const seen = new Set<string>()
  const outside: string[] = []
  const visit = (url: URL): void => {
    if (seen.has(url.href)) return
    seen.add(url.href)
    const source = readFileSync(fileURLToPath(url), 'utf8')
    for (const [, specifier] of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
      if (specifier.startsWith('node:')) continue
      if (specifier.startsWith('.')) visit(new URL(specifier, url))
      else outside.push(specifier)
    }
  }

  visit(new URL('../../dist/prefork/child.js', import.meta.url))
  const files = [...seen].map((href) => href.slice(href.lastIndexOf('/') + 1)).sort()
  assert.deepEqual(files, ['child.js', 'credentials.js', 'flushed.js', 'inherited-descriptors.js', 'messages.js'])
  assert.deepEqual(outside, [], 'no package is imported statically (debug is loaded only when DEBUG is set)')
})
