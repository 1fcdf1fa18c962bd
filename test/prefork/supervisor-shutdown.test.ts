// Shutdown and failure detection with real processes: a worker that ignores its abort really is
// SIGKILLed after the grace period, a really blocked event loop is caught by the watchdog, and
// children do not outlive a master killed with SIGKILL. The decisions alone (the grace timer to
// the millisecond, a second stop, the same burst, the records) are in fleet-stop.test.ts.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'

import {defined} from '../helpers/defined.js'
import {childrenOf, type HarnessSpec, isAlive, startFleet, waitUntil} from '../helpers/fleet-harness.js'

const STOP_FORCED = 5

test('a child ignoring SIGTERM is SIGKILLed after the grace period, named, and the exit code is STOP_FORCED', async (t) => {
  const spec: HarnessSpec = {
    fleet: {name: 'stubborn', workers: [{module: 'ignore-term.js', name: 'mule'}]},
    options: {graceMs: 300},
  }
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  await run.waitFor(/fleet stubborn ready/)
  const pids = run.readyPids()
  run.kill('SIGTERM')
  const {code} = await run.waitForExit()
  assert.equal(code, STOP_FORCED, run.text)
  assert.match(run.text, /^mule \| abort ignored$/m, 'the stubborn worker did get its abort')
  assert.match(run.text, /\[decnet\] grace period of 300 ms expired: killing mule \(SIGKILL\)/)
  assert.match(run.text, /\[decnet\] worker mule \(pid \d+\) did not stop within 300 ms; killed \(SIGKILL\)/)
  const outcome = run.finalOutcome()
  assert.deepEqual(outcome.killed, ['mule'])
  assert.equal(outcome.reason, 'SIGTERM; had to SIGKILL: mule')
  const mule = defined(defined(outcome.workers.find((w) => w.name === 'mule'), 'worker mule').lastExit, "mule's last exit")
  assert.deepEqual([mule.cause, mule.signal, mule.forciblyKilled, mule.requested], ['killed-after-grace', 'SIGKILL', true, true])
  assert.deepEqual(pids.filter(isAlive), [])
})

test('a hung child is SIGKILLed by the watchdog, logged as hung, and restarted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-hang-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const spec: HarnessSpec = {
    fleet: {name: 'hangs', workers: [{module: 'hang.js', name: 'stuck', options: {marker: join(dir, 'hung-once')}}, {module: 'idle.js', name: 'fine'}]},
    options: {initialBackoffMs: 50, watchdogMs: 1000},
  }
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  await run.waitFor(/^stuck \| about to hang$/)
  const [hungPid] = run.readyPids('stuck')
  await run.waitFor(new RegExp(`\\[decnet\\] worker stuck \\(pid ${hungPid}\\) hung: no heartbeat for \\d+ ms; killing it \\(SIGKILL\\)`))
  await run.waitFor(new RegExp(`\\[decnet\\] worker stuck \\(pid ${hungPid}\\) hung: .*killed by the watchdog \\(SIGKILL\\); restarting in \\d+ ms`))
  await run.waitFor(/^stuck \| not hanging this time$/)
  const pids = run.readyPids('stuck')
  assert.equal(pids.length, 2, run.text)
  assert.notEqual(pids[1], hungPid)
  assert.ok(!isAlive(hungPid), 'the hung process is gone')
  assert.equal(run.readyPids('fine').length, 1, 'the neighbour was untouched')
  run.kill('SIGTERM')
  const {code} = await run.waitForExit()
  assert.equal(code, 0, run.text)
  const stuck = defined(run.finalOutcome().workers.find((w) => w.name === 'stuck'), 'worker stuck')
  assert.equal(stuck.restarts, 1)
})

test('when the master dies by SIGKILL, its children exit within a second, holding nothing of the master to write to', async (t) => {
  const spec: HarnessSpec = {fleet: {name: 'orphans', workers: [{module: 'idle.js', name: 'a'}, {module: 'idle.js', name: 'b'}, {module: 'ignore-term.js', name: 'c'}]}}
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  await run.waitFor(/fleet orphans ready/)
  const pids = run.readyPids()
  assert.deepEqual(childrenOf(run.pid).sort(), [...pids].sort())
  run.kill('SIGKILL')
  await run.exited
  // No event announces another process's death: poll /proc, with a bound well past the promised second.
  await waitUntil(() => pids.every((pid) => !isAlive(pid)), {timeoutMs: 2500, what: `children ${pids.join(',')} to exit`})
  // Their last words went to their own stderr, whose only reader (the master) is gone: they hold no
  // descriptor of the master's own stderr any more (it may be root's terminal or the daemon's log).
  assert.doesNotMatch(run.text, /master went away/)
})
