// Reaping and what comes of it, over fake children and a manual clock: each way a child ends
// maps to a cause, a level and a sentence; the watchdog's verdict; memory-limit retirement
// (SIGTERM, then SIGKILL after the grace period); --once outcomes; the ready line and onReady.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {StartMessage} from '../../src/prefork/messages.js'
import type {LogLevel} from '../../src/prefork/options.js'
import type {ExitCause} from '../../src/prefork/worker-exit.js'
import {defined} from '../helpers/defined.js'
import {type FakeChild, fakeFleet} from '../helpers/fake-children.js'

const ONCE_FAILED = 6
const MIB = 1024 * 1024

test('exit reasons: killed by the kernel, crashed, asked to stop, hung, returned... each a cause, a level and a sentence', async () => {
  const cases: Array<[(child: FakeChild) => void, ExitCause, LogLevel, string]> = [
    // [what happens to the child, cause, level, sentence after "worker w (pid N) "]
    [(c) => c.exit(1), 'crashed', 'error', 'crashed (exit code 1); restarting in 1000 ms'],
    [(c) => c.exit(79), 'crashed', 'error', 'crashed (exit code 79: it lost its master); restarting in 1000 ms'],
    [(c) => c.exit(null, 'SIGKILL'), 'signaled', 'error', 'killed by SIGKILL, not sent by decnet (OOM killer?); restarting in 1000 ms'],
    [(c) => c.exit(null, 'SIGSEGV'), 'signaled', 'error', 'killed by SIGSEGV, not sent by decnet; restarting in 1000 ms'],
    [(c) => c.exit(null, 'SIGTERM'), 'signaled', 'error', 'killed by SIGTERM, not sent by decnet; restarting in 1000 ms'],
    [(c) => c.exit(0), 'exited', 'warn', "exited (code 0) without being asked; not restarting (restart policy 'on-failure')"],
    [(c) => c.hang(30_500).obey(), 'hung', 'error', 'hung: no heartbeat for over 30000 ms; killed by the watchdog (SIGKILL); restarting in 1000 ms'],
  ]
  for (const [end, cause, level, sentence] of cases) {
    const fleet = fakeFleet([{name: 'w'}])
    const child = fleet.children.of('w').up()
    fleet.clock.advance(1500)
    end(child)
    const exit = defined(fleet.supervisor.snapshot().workers[0].lastExit, 'its last exit')
    assert.equal(exit.cause, cause, sentence)
    assert.equal(exit.uptimeMs, 1500)
    assert.equal(exit.pid, child.pid)
    const line = fleet.lines.findLast((l) => l.text.startsWith(`[decnet] worker w (pid ${child.pid}) `) && !/ready|killing it/.test(l.text))
    assert.deepEqual(line, {level, text: `[decnet] worker w (pid ${child.pid}) ${sentence}`})
  }
})

test('exit records are records: requested, forciblyKilled and hung as they happened, and lastExit.at on the clock', async () => {
  const fleet = fakeFleet([{name: 'w'}], {graceMs: 100})
  fleet.children.of('w').up()
  fleet.clock.advance(5000)
  fleet.supervisor.stop('SIGTERM')
  fleet.clock.advance(100)
  fleet.children.of('w').obey()
  const outcome = await fleet.finished()
  const lastExit = defined(outcome.workers[0].lastExit, 'its last exit')
  assert.deepEqual(
    {cause: lastExit.cause, code: lastExit.code, forciblyKilled: lastExit.forciblyKilled, hung: lastExit.hung, requested: lastExit.requested, signal: lastExit.signal, uptimeMs: lastExit.uptimeMs},
    {cause: 'killed-after-grace', code: null, forciblyKilled: true, hung: false, requested: true, signal: 'SIGKILL', uptimeMs: 5100},
  )
  assert.equal(defined(fleet.supervisor.snapshot().workers[0].lastExit, 'its last exit').at, new Date(fleet.clock.date()).toISOString())
})

test('watchdog: a silent child is SIGKILLed at once (no SIGTERM: its event loop could not act on one), shown as hung, then restarted', () => {
  const fleet = fakeFleet([{name: 'stuck'}, {name: 'fine'}], {initialBackoffMs: 50, watchdogMs: 1500})
  fleet.children.of('fine').up()
  const stuck = fleet.children.of('stuck').up()
  stuck.hang(1512)
  assert.deepEqual(stuck.signals, ['SIGKILL'])
  assert.equal(stuck.killCause, 'hung')
  assert.match(fleet.text, new RegExp(`error: \\[decnet\\] worker stuck \\(pid ${stuck.pid}\\) hung: no heartbeat for 1512 ms; killing it \\(SIGKILL\\)$`, 'm'))
  assert.equal(fleet.supervisor.snapshot().workers[0].state, 'hung', 'until it is reaped')
  stuck.obey()
  assert.match(fleet.text, /worker stuck \(pid \d+\) hung: no heartbeat for over 1500 ms; killed by the watchdog \(SIGKILL\); restarting in 50 ms/)
  const lastExit = defined(fleet.supervisor.snapshot().workers[0].lastExit, 'its last exit')
  assert.equal(lastExit.cause, 'hung')
  fleet.clock.advance(50)
  assert.equal(fleet.children.all('stuck').length, 2)
  assert.deepEqual(fleet.children.of('fine').signals, [], 'the neighbour is untouched')
  // A verdict about a child already reaped is stale: nothing to kill.
  stuck.hang(9999)
  assert.deepEqual(fleet.children.of('stuck').signals, [])
})

test('the start message carries the worker, the fleet, --once and the heartbeat period (a third of the watchdog)', () => {
  const fleet = fakeFleet([{name: 'w', options: {depth: 3}}], {once: true, watchdogMs: 3000})
  const child = fleet.children.of('w').hello()
  assert.deepEqual(child.sent, [{exportName: 'default', fleet: 'f', heartbeatMs: 1000, modulePath: '/nonexistent/w.js', name: 'w', once: true, options: {depth: 3}, type: 'start'}])
  assert.equal(child.request.watchdogMs, 3000, 'the watchdog period reaches the child handle')
  const off = fakeFleet([{name: 'w'}], {watchdogMs: 0})
  assert.equal((off.children.of('w').hello().sent[0] as StartMessage).heartbeatMs, 0, 'no watchdog, no heartbeats')
})

test('memory limit: a child over it is SIGTERMed and restarted; the reason is in the log, its exit record and the snapshot; its neighbour is untouched', () => {
  let leakRss = 50 * MIB
  const rss = (pid: number): number => (pid === 1000 ? leakRss : 10 * MIB)
  const fleet = fakeFleet([{maxMemoryMb: 100, name: 'leak'}, {name: 'steady'}], {initialBackoffMs: 100, memoryCheckMs: 100}, {rss})
  const leak = fleet.children.of('leak').up()
  fleet.children.of('steady').up()
  assert.deepEqual(fleet.clock.pending, [{at: 100, keepAlive: false}], 'one check timer for the fleet, which alone keeps no process alive')
  fleet.clock.advance(100)
  assert.deepEqual(leak.signals, [], 'under the limit')
  leakRss = 812 * MIB + 1
  fleet.clock.advance(100)
  assert.deepEqual(leak.signals, ['SIGTERM'])
  assert.match(fleet.text, /^warn: \[decnet\] worker leak \(pid 1000\) is over its memory limit: RSS 813 MB > 100 MB; stopping it to restart it \(grace 15000 ms\)$/m)
  fleet.clock.advance(1000)
  assert.deepEqual(leak.signals, ['SIGTERM'], 'reported once per process')
  leak.obey()
  assert.match(fleet.text, /^warn: \[decnet\] worker leak \(pid 1000\) stopped: memory limit: RSS 813 MB > 100 MB; restarting in 100 ms$/m)
  const lastExit = defined(fleet.supervisor.snapshot().workers[0].lastExit, 'its last exit')
  assert.deepEqual([lastExit.cause, lastExit.reason], ['memory-limit', 'memory limit: RSS 813 MB > 100 MB'])
  assert.deepEqual(fleet.clock.keepAliveDelays, [100], "only the restart is due: the retirement's SIGKILL timer went with the exit")
  fleet.clock.advance(100)
  assert.equal(fleet.children.all('leak').length, 2)
  assert.deepEqual(fleet.children.of('steady').signals, [])
  assert.equal(fleet.children.all('steady').length, 1)
})

test('memory limit: a child that ignores the SIGTERM is SIGKILLed after the grace period; its record says memory-limit and forcibly killed', async () => {
  const fleet = fakeFleet([{maxMemoryMb: 100, name: 'leak', restart: 'never'}], {graceMs: 300, memoryCheckMs: 100}, {rss: () => 200 * MIB})
  const leak = fleet.children.of('leak').up()
  fleet.clock.advance(100)
  fleet.clock.advance(299)
  assert.deepEqual(leak.signals, ['SIGTERM'])
  fleet.clock.advance(1)
  assert.deepEqual(leak.signals, ['SIGTERM', 'SIGKILL'])
  assert.equal(leak.killCause, 'retired')
  leak.obey()
  assert.match(fleet.text, /^warn: \[decnet\] worker leak \(pid 1000\) did not stop within 300 ms; killed \(SIGKILL\): memory limit: RSS 200 MB > 100 MB; not restarting \(restart policy 'never'\)$/m)
  const outcome = await fleet.finished()
  assert.equal(outcome.code, 1)
  assert.equal(outcome.reason, 'every worker exited and none is due a restart; failed: leak (memory-limit)')
  const lastExit = defined(outcome.workers[0].lastExit, 'its last exit')
  assert.deepEqual([lastExit.cause, lastExit.signal, lastExit.forciblyKilled], ['memory-limit', 'SIGKILL', true])
  assert.match(defined(lastExit.reason, 'a reason'), /^memory limit: RSS 200 MB > 100 MB$/)
})

test('memory limit: maxMemoryMb (--max-memory) overrides every worker\'s own; no limit, no timer; no check once the fleet stops', () => {
  const over = fakeFleet([{maxMemoryMb: 100_000, name: 'leak'}], {maxMemoryMb: 100, memoryCheckMs: 100}, {rss: () => 101 * MIB})
  over.children.of('leak').up()
  over.clock.advance(100)
  assert.deepEqual(over.children.of('leak').signals, ['SIGTERM'], "the override's 100 MiB applies, not the worker's 100000")
  assert.equal(over.grep(/is over its memory limit: RSS 101 MB > 100 MB/).length, 1)

  const unlimited = fakeFleet([{name: 'w'}], {memoryCheckMs: 100}, {rss: () => 10_000 * MIB})
  assert.deepEqual(unlimited.clock.pending, [], 'no worker has a limit: no timer at all')

  const stopping = fakeFleet([{maxMemoryMb: 100, name: 'leak'}], {memoryCheckMs: 100}, {rss: () => 101 * MIB})
  stopping.children.of('leak').up()
  stopping.supervisor.stop('SIGTERM')
  stopping.clock.advance(100)
  assert.deepEqual(stopping.children.of('leak').signals, ['SIGTERM'], 'only the stop')
  assert.doesNotMatch(stopping.text, /memory limit/)
})

test('--once: every worker finished its pass: exit 0; nothing restarts, not even under policy always', async () => {
  const fleet = fakeFleet([{name: 'a'}, {name: 'b', restart: 'always'}], {once: true})
  fleet.children.of('a').up().exit(0)
  fleet.children.of('b').up().exit(0)
  const outcome = await fleet.finished()
  assert.equal(outcome.code, 0)
  assert.equal(outcome.reason, 'every worker finished its pass')
  assert.match(fleet.text, /^info: \[decnet\] worker a \(pid \d+\) finished \(code 0\)$/m)
  assert.doesNotMatch(fleet.text, /restarting/)
  assert.equal(fleet.children.forked.length, 2)
})

test('--once: a failed worker makes it ONCE_FAILED, naming it and its cause; nothing restarts', async () => {
  const fleet = fakeFleet([{name: 'good'}, {name: 'bad'}, {name: 'oom'}], {initialBackoffMs: 10, once: true})
  fleet.children.of('good').up().exit(0)
  fleet.children.of('bad').up().exit(1)
  assert.equal(fleet.outcome, undefined, 'one still runs')
  fleet.children.of('oom').up().exit(null, 'SIGKILL')
  const outcome = await fleet.finished()
  assert.equal(outcome.code, ONCE_FAILED)
  assert.equal(outcome.reason, '2 of 3 workers failed: bad (crashed), oom (signaled)')
  assert.doesNotMatch(fleet.text, /restarting/)
  assert.equal(fleet.children.forked.length, 3)
})

test('ready: each worker\'s line, the fleet line and onReady once every worker is ready, once per run', () => {
  let calls = 0
  const fleet = fakeFleet([{name: 'a'}, {name: 'b'}], {onReady: () => calls++})
  fleet.children.of('a').up()
  assert.equal(calls, 0)
  assert.equal(fleet.supervisor.snapshot().ready, false)
  fleet.children.of('b').up()
  assert.equal(calls, 1)
  assert.deepEqual(fleet.grep(/ready/), ['[decnet] worker a ready (pid 1000)', '[decnet] worker b ready (pid 1001)', '[decnet] fleet f ready (2 workers)'])
  assert.equal(fleet.supervisor.snapshot().ready, true)
  fleet.children.of('a').exit(1)
  fleet.clock.advanceToNext()
  fleet.children.of('a').up()
  assert.equal(calls, 1, 'not again after a restart')
  assert.equal(fleet.grep(/fleet f ready/).length, 1)
  fleet.children.of('a').status('standby (held by host-b:4242)')
  assert.equal(fleet.supervisor.snapshot().workers[0].detail, 'standby (held by host-b:4242)')
})
