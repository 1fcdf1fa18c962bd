// The master's per-child Watchdog on its own: the first window (node has to start), the period
// after the first beat (on a manual clock, to the millisecond), and, with a real child and the
// real event loop, no false verdict when the master itself was held up while beats waited on the
// channel.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {test} from 'node:test'

import {FIRST_WINDOW_MIN_MS, heartbeatIntervalMs, Watchdog} from '../../src/prefork/watchdog.js'
import {ManualClock} from '../helpers/manual-clock.js'

/** A watchdog on a manual clock, its verdicts collected. */
function manualDog(timeoutMs: number, firstWindowMs?: number): {clock: ManualClock; dog: Watchdog; verdicts: number[]} {
  const clock = new ManualClock()
  const verdicts: number[] = []
  const dog = new Watchdog(timeoutMs, (silentMs) => verdicts.push(silentMs), {clock, firstWindowMs})
  return {clock, dog, verdicts}
}

/** One event-loop turn: the verdict waits for one (it must read what the child sent meanwhile first). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

test('before its first beat a child gets the longer first window (to the millisecond), then the watchdog period', async () => {
  assert.ok(FIRST_WINDOW_MIN_MS >= 5000, 'a loaded machine can take seconds to start node')
  const first = manualDog(50, 400)
  first.clock.advance(399)
  await turn()
  assert.deepEqual(first.verdicts, [], 'not before the first window is over')
  first.clock.advance(1)
  assert.deepEqual(first.verdicts, [], 'the verdict waits for the turn to read the channel')
  await turn()
  assert.deepEqual(first.verdicts, [400])

  const later = manualDog(100, 60_000)
  later.clock.advance(5000)
  later.dog.beat()
  later.clock.advance(99)
  await turn()
  assert.deepEqual(later.verdicts, [])
  later.clock.advance(1)
  await turn()
  assert.deepEqual(later.verdicts, [100], 'after a beat the period applies, not the first window')
  later.clock.advance(10_000)
  await turn()
  assert.deepEqual(later.verdicts, [100], 'it fires once')
})

test('the default first window is FIRST_WINDOW_MIN_MS, and never shorter than the period', async () => {
  const short = manualDog(1000)
  short.clock.advance(FIRST_WINDOW_MIN_MS - 1)
  await turn()
  assert.deepEqual(short.verdicts, [])
  short.clock.advance(1)
  await turn()
  assert.deepEqual(short.verdicts, [FIRST_WINDOW_MIN_MS])
  const long = manualDog(FIRST_WINDOW_MIN_MS * 2, 10)
  long.clock.advance(FIRST_WINDOW_MIN_MS * 2 - 1)
  await turn()
  assert.deepEqual(long.verdicts, [])
})

test('each beat restarts the countdown; a beat that came while the verdict waited spares the child; stop() and 0 never fire', async () => {
  const dog = manualDog(300, 300)
  for (let i = 0; i < 10; i++) {
    dog.clock.advance(299)
    dog.dog.beat()
  }
  await turn()
  assert.deepEqual(dog.verdicts, [], 'beaten 1 ms inside every period')
  dog.clock.advance(300)
  // The countdown ran out; a beat read in this same turn (before the verdict) counts.
  dog.dog.beat()
  await turn()
  assert.deepEqual(dog.verdicts, [])
  dog.clock.advance(299)
  await turn()
  assert.deepEqual(dog.verdicts, [], 're-armed from that beat')
  dog.clock.advance(1)
  await turn()
  assert.deepEqual(dog.verdicts, [300])

  const stopped = manualDog(100, 100)
  stopped.clock.advance(100)
  stopped.dog.stop()
  await turn()
  stopped.clock.advance(10_000)
  await turn()
  assert.deepEqual(stopped.verdicts, [], 'stopped while its verdict was pending')
  const off = manualDog(0, 100)
  assert.deepEqual(off.clock.pending, [], 'a 0 period arms nothing')
  off.dog.beat()
  assert.deepEqual(off.clock.pending, [])
})

test('a master held up past the period reads the waiting beats before judging: no false hang', async (t) => {
  // A child that beats every 50 ms on its stdout (as a real child beats over IPC).
  const child = spawn(process.execPath, ['-e', 'setInterval(() => process.stdout.write("."), 50)'], {stdio: ['ignore', 'pipe', 'inherit']})
  t.after(() => child.kill('SIGKILL'))
  const verdicts: number[] = []
  let caught: (silentMs: number) => void = () => {}
  const hung = new Promise<number>((resolve) => (caught = resolve))
  const dog = new Watchdog(1000, (silentMs) => {
    verdicts.push(silentMs)
    caught(silentMs)
  }, {firstWindowMs: 30_000}) // node may take a while to start the child on a loaded machine
  t.after(() => dog.stop())
  let beats = 0
  let waiter: {beats: number; resolve: () => void} | undefined
  child.stdout.on('data', () => {
    beats++
    dog.beat()
    if (waiter && beats >= waiter.beats) waiter.resolve()
  })
  const beaten = (n: number): Promise<void> => new Promise((resolve) => (waiter = {beats: n, resolve}))
  await beaten(1)
  // Blocked 2.5 periods: the countdown expires while the child's beats pile up unread.
  const until = performance.now() + 2500
  while (performance.now() < until) {
    // busy
  }

  // The turn after the block: the expired countdown (timers phase) comes before the waiting beats
  // are read (poll phase); the verdict must wait for them (check phase, where this resumes too).
  await beaten(beats + 1)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(verdicts, [], 'the child beat all along')
  // A child that really goes silent is still caught.
  child.kill('SIGSTOP')
  const silentMs = await Promise.race([hung, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('never caught')), 10_000).unref())])
  assert.ok(silentMs >= 999, `silent ${silentMs} ms`)
})

test('heartbeat interval and watchdog window: beats every third, so two can be late', () => {
  for (const watchdogMs of [1000, 2000, 30_000]) assert.ok(heartbeatIntervalMs(watchdogMs) * 3 <= watchdogMs)
})
