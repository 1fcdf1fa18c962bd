// A real fleet starts, stays up, hands its workers the right context and environment, and stops
// cleanly on SIGTERM with nothing left behind; children ignore SIGINT. (What the supervisor
// decides on a stop, SIGINT's wording included, is in fleet-stop.test.ts.)
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {defined} from '../helpers/defined.js'
import {childrenOf, type HarnessSpec, isAlive, startFleet} from '../helpers/fleet-harness.js'

const ticking = {tickMs: 40}
const IDLE_PAIR = {
  fleet: {
    name: 'pair',
    workers: [
      {module: 'idle.js', name: 'alpha', options: ticking},
      {module: 'idle.js', name: 'beta', options: ticking},
    ],
  },
}

test('workers come up, stay up (even through a SIGINT of their own), and SIGTERM stops the fleet cleanly with no child left', async (t) => {
  const run = startFleet(IDLE_PAIR)
  t.after(() => run.cleanup())
  await run.waitFor(/^\[decnet\] fleet pair ready \(2 workers\)$/)
  const pids = run.readyPids()
  assert.equal(pids.length, 2)
  assert.deepEqual(childrenOf(run.pid).sort(), [...pids].sort(), 'the children are the ready workers')
  for (const pid of pids) assert.match(run.text, new RegExp(`\\[decnet\\] worker (alpha|beta) ready \\(pid ${pid}\\)`))

  // Still the same processes several ticks later, and nothing exited or restarted meanwhile.
  await run.waitFor(/^alpha \| tick 5$/)
  await run.waitFor(/^beta \| tick 5$/)
  assert.ok(pids.every(isAlive), 'workers stay up')
  assert.deepEqual(run.readyPids(), pids, 'no restart happened')
  assert.doesNotMatch(run.text, /exited|crashed|restarting/)

  // A SIGINT to a child (a terminal's Ctrl-C reaches the whole process group) changes nothing:
  // it keeps ticking, and is later stopped by the master like its neighbour.
  const [alpha] = run.readyPids('alpha')
  const since = run.lines.length
  process.kill(alpha, 'SIGINT')
  await run.waitFor(/^alpha \| tick \d+$/, {from: since})
  await run.waitFor(/^alpha \| tick \d+$/, {from: run.lines.length})
  assert.ok(isAlive(alpha), 'alpha is still running after SIGINT')
  assert.doesNotMatch(run.text, /alpha aborted/)

  run.kill('SIGTERM')
  const {code, signal} = await run.waitForExit()
  assert.equal(signal, null)
  assert.equal(code, 0, run.text)
  assert.match(run.text, /^alpha \| alpha aborted$/m, "alpha's AbortSignal fired")
  assert.match(run.text, /^beta \| beta aborted$/m, "beta's AbortSignal fired")
  assert.match(run.text, /\[decnet\] worker alpha \(pid \d+\) stopped/)
  const outcome = run.finalOutcome()
  assert.equal(outcome.code, 0)
  assert.deepEqual(outcome.killed, [])
  assert.deepEqual(
    outcome.workers.map((w) => [w.name, defined(w.lastExit, `${w.name}'s last exit`).cause, defined(w.lastExit, `${w.name}'s last exit`).requested, defined(w.lastExit, `${w.name}'s last exit`).forciblyKilled]),
    [
      ['alpha', 'stopped', true, false],
      ['beta', 'stopped', true, false],
    ],
  )
  assert.deepEqual(pids.filter(isAlive), [], 'no child outlives the master')
})

test('a worker gets its name, fleet, options and once flag, and only allow-listed environment', async (t) => {
  const env = {
    ...process.env,
    AWS_SECRET_ACCESS_KEY: 'aws-secret',
    DECNET_FROM_MASTER: 'passed',
    DEBUG_COLORS: 'no',
    LC_TIME: 'C',
    PGPASSWORD: 'pg-secret',
    TZ: 'UTC',
  }
  const spec: HarnessSpec = {
    fleet: {name: 'env', workers: [{module: 'report.js', name: 'reporter', options: {depth: 3, tags: ['a']}}]},
    options: {env: {DECNET_DB_URL: 'sqlite:/tmp/x.sqlite', EXTRA: 'given'}},
  }
  const run = startFleet(spec, {env})
  t.after(() => run.cleanup())
  const line = await run.waitFor(/^reporter \| report (.*)$/)
  const info = JSON.parse(line.match[1])
  assert.equal(info.name, 'reporter')
  assert.equal(info.fleet, 'env')
  assert.equal(info.once, false)
  assert.deepEqual(info.options, {depth: 3, tags: ['a']})
  assert.equal(info.env.PGPASSWORD, undefined, 'PGPASSWORD must not leak')
  assert.equal(info.env.AWS_SECRET_ACCESS_KEY, undefined, 'AWS_* must not leak')
  assert.equal(info.env.NODE_UNIQUE_ID, undefined)
  assert.equal(info.env.DECNET_FROM_MASTER, 'passed')
  assert.equal(info.env.DECNET_DB_URL, 'sqlite:/tmp/x.sqlite')
  assert.equal(info.env.EXTRA, 'given', 'options.env is passed as given')
  assert.equal(info.env.DEBUG_COLORS, 'no')
  assert.equal(info.env.LC_TIME, 'C')
  assert.equal(info.env.TZ, 'UTC')
  assert.equal(info.env.PATH, process.env.PATH)
  const allowed = /^(DECNET_|DEBUG|LC_)|^(EXTRA|FORCE_COLOR|HOME|LANG|LANGUAGE|LOGNAME|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|NO_COLOR|PATH|TERM|TMPDIR|TZ|USER)$/
  assert.deepEqual(Object.keys(info.env).filter((name) => !allowed.test(name)), [])
})

test('without `out`, supervisor lines and child stdout go to stdout, child stderr and warnings to stderr', async (t) => {
  const spec: HarnessSpec = {fleet: {name: 'streams', workers: [{module: 'prints.js', name: 'p', options: {count: 3}}]}, separateStreams: true}
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  await run.waitForExit()
  const on = (stream: 'stderr' | 'stdout'): string[] => run.lines.filter((l) => l.stream === stream).map((l) => l.text)
  assert.ok(on('stdout').includes('[decnet] worker p ready (pid ' + run.readyPids('p')[0] + ')'), run.text)
  assert.ok(on('stdout').includes('p | p-line-0-first-half second-half'), run.text)
  assert.ok(on('stderr').includes('p | p on stderr'), run.text)
  assert.ok(on('stderr').some((l) => /\[decnet\] worker p \(pid \d+\) exited \(code 0\) without being asked/.test(l)), run.text)
})
