// The master's per-child Watchdog on its own: the first window (node has to start), the period
// after the first beat, and no false verdict when the master itself was held up while beats
// waited on the channel.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {test} from 'node:test'

import {FIRST_WINDOW_MIN_MS, heartbeatIntervalMs, Watchdog} from '../../dist/prefork/watchdog.js'

/** Resolves with onSilent's argument; rejects if it never comes within `ms`. */
function silence(timeoutMs, options, ms = 10_000) {
  let fire
  const fired = new Promise((resolve) => (fire = resolve))
  const dog = new Watchdog(timeoutMs, fire, options)
  let timer
  const result = Promise.race([fired, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the watchdog never fired')), ms)))])
  return {dog, fired: result.finally(() => clearTimeout(timer))}
}

test('before its first beat a child gets the longer first window, then the watchdog period', async () => {
  assert.ok(FIRST_WINDOW_MIN_MS >= 5000, 'a loaded machine can take seconds to start node')
  const first = silence(50, {firstWindowMs: 400})
  assert.ok((await first.fired) >= 399, 'not before the first window is over')

  const t0 = performance.now()
  const later = silence(100, {firstWindowMs: 60_000})
  later.dog.beat()
  const silentMs = await later.fired
  assert.ok(silentMs >= 99, `silent ${silentMs} ms`)
  assert.ok(performance.now() - t0 < 30_000, 'after a beat the period applies, not the first window')
})

test('a master held up past the period reads the waiting beats before judging: no false hang', async (t) => {
  // A child that beats every 50 ms on its stdout (as a real child beats over IPC).
  const child = spawn(process.execPath, ['-e', 'setInterval(() => process.stdout.write("."), 50)'], {stdio: ['ignore', 'pipe', 'inherit']})
  t.after(() => child.kill('SIGKILL'))
  const verdicts = []
  let caught
  const hung = new Promise((resolve) => (caught = resolve))
  const dog = new Watchdog(1000, (silentMs) => {
    verdicts.push(silentMs)
    caught(silentMs)
  }, {firstWindowMs: 30_000}) // node may take a while to start the child on a loaded machine
  t.after(() => dog.stop())
  let beats = 0
  let waiter
  child.stdout.on('data', () => {
    beats++
    dog.beat()
    if (waiter && beats >= waiter.beats) waiter.resolve()
  })
  const beaten = (n) => new Promise((resolve) => (waiter = {beats: n, resolve}))
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
  const silentMs = await Promise.race([hung, new Promise((_, reject) => setTimeout(() => reject(new Error('never caught')), 10_000).unref())])
  assert.ok(silentMs >= 999, `silent ${silentMs} ms`)
})

test('heartbeat interval and watchdog window: beats every third, so two can be late', () => {
  for (const watchdogMs of [1000, 2000, 30_000]) assert.ok(heartbeatIntervalMs(watchdogMs) * 3 <= watchdogMs)
})
