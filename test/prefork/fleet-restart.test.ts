// The supervisor's restart decisions over fake children and a manual clock (no process is forked,
// no time passes): per-worker backoff (1 s doubling, jitter, cap, reset after stable uptime), a
// crash loop that never stops the fleet, the restart policies, and a stop during a backoff.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {defined} from '../helpers/defined.js'
import {type FakeChild, type FakeFleet, fakeFleet} from '../helpers/fake-children.js'

/** `restarting in N ms` delays announced for `name`, in order. */
function announced(fleet: FakeFleet, name: string): number[] {
  return fleet.grep(new RegExp(`^\\[decnet\\] worker ${name} \\(pid \\d+\\) .*; restarting in \\d+ ms$`)).map((text) => Number(defined(/restarting in (\d+) ms$/.exec(text), 'a delay')[1]))
}

/** Crashes `name`'s current child after `upMs` and returns the delay until the supervisor forks it again (checked to the millisecond). */
function crashAndTimeRestart(fleet: FakeFleet, name: string, upMs = 10): number {
  const {children, clock} = fleet
  clock.advance(upMs)
  const before = children.all(name).length
  children.of(name).up().exit(1)
  const [delay] = clock.keepAliveDelays
  assert.ok(delay > 0, `a restart is pending:\n${fleet.text}`)
  clock.advance(delay - 1)
  assert.equal(children.all(name).length, before, `not restarted before its ${delay} ms are up`)
  clock.advance(1)
  assert.equal(children.all(name).length, before + 1, `restarted once its ${delay} ms are up`)
  return delay
}

test('backoff: 1 s, doubling, capped at maxBackoffMs; each delay announced and kept to the millisecond', () => {
  const fleet = fakeFleet([{name: 'crasher'}, {name: 'steady'}], {maxBackoffMs: 30_000})
  fleet.children.of('steady').up()
  const delays = Array.from({length: 8}, () => crashAndTimeRestart(fleet, 'crasher'))
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  assert.deepEqual(announced(fleet, 'crasher'), delays)
  assert.equal(fleet.children.all('steady').length, 1, 'the neighbour keeps its process through the crash loop')
  assert.deepEqual(fleet.children.of('steady').signals, [])
  assert.match(fleet.text, /error: \[decnet\] worker crasher \(pid \d+\) crashed \(exit code 1\); restarting in 1000 ms/)
  assert.equal(fleet.supervisor.snapshot().workers[0].restarts, 8)
})

test('backoff: jitter shortens each delay by up to 20%, never lengthens it', () => {
  const cases: Array<[number, number[]]> = [
    [0.5, [900, 1800, 3600, 7200]],
    [0.999_999, [800, 1600, 3200, 6400]],
  ]
  for (const [random, expected] of cases) {
    const fleet = fakeFleet([{name: 'w'}], {}, {random: () => random})
    const delays = Array.from({length: 4}, () => crashAndTimeRestart(fleet, 'w'))
    assert.deepEqual(delays, expected, `random ${random}`)
  }
})

test('backoff: an initial delay of initialBackoffMs; the default is 1 s', () => {
  const fleet = fakeFleet([{name: 'w'}], {initialBackoffMs: 250})
  assert.deepEqual([crashAndTimeRestart(fleet, 'w'), crashAndTimeRestart(fleet, 'w')], [250, 500])
})

test('backoff: forgiven once a worker stayed up stableMs (60 s by default), not a millisecond before', () => {
  const fleet = fakeFleet([{name: 'w'}])
  assert.deepEqual([crashAndTimeRestart(fleet, 'w'), crashAndTimeRestart(fleet, 'w'), crashAndTimeRestart(fleet, 'w')], [1000, 2000, 4000])
  assert.equal(crashAndTimeRestart(fleet, 'w', 59_999), 8000, 'up 59.999 s: still failing')
  assert.equal(crashAndTimeRestart(fleet, 'w', 60_000), 1000, 'up 60 s: starts over')
  assert.equal(crashAndTimeRestart(fleet, 'w'), 2000)
  const short = fakeFleet([{name: 'w'}], {stableMs: 150})
  crashAndTimeRestart(short, 'w')
  assert.equal(crashAndTimeRestart(short, 'w', 150), 1000, 'stableMs is the option')
})

test('backoff: each worker has its own; two crashing together do not slow each other', () => {
  const fleet = fakeFleet([{name: 'a'}, {name: 'b'}])
  crashAndTimeRestart(fleet, 'a')
  crashAndTimeRestart(fleet, 'a')
  assert.equal(crashAndTimeRestart(fleet, 'b'), 1000, "b's first crash waits 1 s whatever a did")
  assert.equal(crashAndTimeRestart(fleet, 'a'), 4000)
})

test('a crash loop never halts the fleet: a worker that booted and then crashes is restarted forever, the fleet never ends', async () => {
  const fleet = fakeFleet([{name: 'loop'}])
  for (let i = 0; i < 20; i++) crashAndTimeRestart(fleet, 'loop')
  assert.equal(fleet.children.all('loop').length, 21)
  assert.equal(fleet.outcome, undefined)
  assert.doesNotMatch(fleet.text, /stopping fleet|could not boot/)
  fleet.supervisor.stop('SIGTERM')
  fleet.children.of('loop').obey()
  const outcome = await fleet.finished()
  assert.equal(outcome.code, 0)
  assert.equal(outcome.workers[0].restarts, 20)
})

test("policy 'on-failure' (default): failures restart (crash, a signal decnet did not send, hung); a clean unrequested exit does not", async () => {
  const cases: Array<[(child: FakeChild) => void, boolean]> = [
    [(child) => child.exit(1), true],
    [(child) => child.exit(null, 'SIGKILL'), true],
    [(child) => child.exit(null, 'SIGSEGV'), true],
    [(child) => child.hang(31_000).obey(), true],
    [(child) => child.exit(0), false],
  ]
  for (const [end, restarted] of cases) {
    const fleet = fakeFleet([{name: 'w'}])
    end(fleet.children.of('w').up())
    const note = restarted ? /; restarting in 1000 ms$/ : /; not restarting \(restart policy 'on-failure'\)$/
    const exitLine = defined(fleet.grep(/^\[decnet\] worker w \(pid \d+\) (crashed|killed by|hung:|exited)/).at(-1), `an exit line:\n${fleet.text}`)
    assert.match(exitLine, note, `${String(end)}:\n${fleet.text}`)
    if (restarted) continue
    // Nothing left to run and nothing due: the fleet ends by itself, cleanly.
    const outcome = await fleet.finished()
    assert.equal(outcome.code, 0)
    assert.equal(outcome.reason, 'every worker exited and none is due a restart')
    assert.match(fleet.text, /warn: \[decnet\] worker w \(pid \d+\) exited \(code 0\) without being asked; not restarting/)
  }
})

test("policy 'always' restarts a clean exit too; 'never' restarts nothing and the rest of the fleet runs on", async () => {
  const always = fakeFleet([{name: 'looper', restart: 'always'}], {initialBackoffMs: 50})
  assert.equal(crashAndTimeRestart(always, 'looper'), 50)
  always.children.of('looper').up().exit(0)
  assert.match(defined(always.lines.at(-1), 'a line').text, /worker looper \(pid \d+\) exited \(code 0\) without being asked; restarting in 100 ms$/)

  const never = fakeFleet([{name: 'once-only', restart: 'never'}, {name: 'steady'}])
  never.children.of('steady').up()
  never.children.of('once-only').up().exit(1)
  assert.match(defined(never.lines.at(-1), 'a line').text, /^\[decnet\] worker once-only \(pid \d+\) crashed \(exit code 1\); not restarting \(restart policy 'never'\)$/)
  assert.deepEqual(never.clock.keepAliveDelays, [], 'no restart pending')
  never.clock.advance(600_000)
  assert.equal(never.children.all('once-only').length, 1)
  assert.equal(never.outcome, undefined, 'steady still runs: the fleet goes on')
  never.children.of('steady').exit(0)
  const outcome = await never.finished()
  assert.equal(outcome.code, 1, 'every worker down, one failed')
  assert.equal(outcome.reason, 'every worker exited and none is due a restart; failed: once-only (crashed)')
})

test('a stop during a backoff cancels the restart: the fleet ends at once, nothing is forked again', async () => {
  const fleet = fakeFleet([{name: 'w'}])
  fleet.children.of('w').up().exit(1)
  assert.deepEqual(fleet.clock.keepAliveDelays, [1000])
  assert.equal(fleet.supervisor.snapshot().workers[0].state, 'backing-off')
  assert.equal(fleet.supervisor.snapshot().workers[0].nextRestartInMs, 1000)
  fleet.supervisor.stop('SIGTERM')
  assert.deepEqual(fleet.clock.keepAliveDelays, [], 'the restart timer is disarmed (and so is the grace timer: nothing is running)')
  const outcome = await fleet.finished()
  fleet.clock.advance(10_000)
  assert.equal(fleet.children.forked.length, 1)
  assert.equal(outcome.code, 0)
  assert.equal(outcome.reason, 'SIGTERM')
  assert.equal(defined(outcome.workers[0].lastExit, 'its last exit').cause, 'crashed')
})
