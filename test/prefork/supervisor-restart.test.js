// Restart policy and backoff: a crasher comes back after growing delays while its neighbour
// keeps running; policies `never`, `on-failure` and `always`; backoff reset after stable uptime.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {isAlive, startFleet} from '../helpers/fleet-harness.js'

/** `restarting in N ms` delays announced for `name`, in order. */
function announcedDelays(run, name) {
  return run.lines
    .map((line) => new RegExp(`\\[decnet\\] worker ${name} \\(pid \\d+\\) .*; restarting in (\\d+) ms$`).exec(line.text))
    .filter(Boolean)
    .map((m) => Number(m[1]))
}

test('a crasher is restarted after growing delays while its neighbour keeps the same process', async (t) => {
  const spec = {
    fleet: {
      name: 'mixed',
      workers: [
        {module: 'crasher.js', name: 'crasher', options: {afterMs: 20}},
        {module: 'idle.js', name: 'steady', options: {tickMs: 50}},
      ],
    },
    options: {initialBackoffMs: 250, maxBackoffMs: 10_000},
  }
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  const starts = []
  for (let from = 0; starts.length < 4; from = starts.at(-1).index + 1) {
    starts.push(await run.waitFor(/^crasher \| started at (\d+)$/, {from}))
  }

  // The crasher's own timestamps: each gap is crash + reap + backoff + boot. Only the backoff part is
  // the supervisor's to promise (boot alone varied 280-570 ms on a loaded machine), so the gaps are
  // checked against the announced delays, which must grow.
  const times = starts.map((line) => Number(line.match[1]))
  const gaps = times.slice(1).map((time, i) => time - times[i])

  const delays = announcedDelays(run, 'crasher').slice(0, 3)
  assert.equal(delays.length, 3, run.text)
  assert.ok(delays[0] <= 250 && delays[0] >= 200, `first delay ~250 ms with jitter: ${delays}`)
  assert.ok(delays[1] > delays[0] && delays[2] > delays[1], `announced delays grow: ${delays}`)
  for (const [i, gap] of gaps.entries()) assert.ok(gap >= delays[i], `gap ${gap} ms covers the delay ${delays[i]} ms`)
  assert.match(run.text, /\[decnet\] worker crasher \(pid \d+\) crashed \(exit code 1\); restarting in \d+ ms/)
  assert.match(run.text, /^crasher \| worker crasher failed: Error: crasher: boom$/m, "the worker's error is printed")

  const steady = run.readyPids('steady')
  assert.equal(steady.length, 1, 'the neighbour was never restarted')
  assert.ok(isAlive(steady[0]))
  assert.equal(new Set(run.readyPids('crasher')).size, run.readyPids('crasher').length, 'each crasher start is a new process')

  run.kill('SIGTERM')
  const {code} = await run.waitForExit()
  assert.equal(code, 0, run.text)
  const outcome = run.outcome()
  const crasher = outcome.workers.find((w) => w.name === 'crasher')
  assert.ok(crasher.restarts >= 3)
  assert.equal(outcome.workers.find((w) => w.name === 'steady').restarts, 0)
})

test("backoff resets once a worker stayed up longer than stableMs", async (t) => {
  const spec = {
    fleet: {name: 'stable', workers: [{module: 'crasher.js', name: 'slow', options: {afterMs: 250}}]},
    options: {initialBackoffMs: 100, stableMs: 150},
  }
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  let from = 0
  for (let n = 1; n <= 4; n++) from = (await run.waitFor(/^slow \| started at/, {from})).index + 1
  const delays = announcedDelays(run, 'slow')
  assert.ok(delays.length >= 3, run.text)
  for (const delay of delays) assert.ok(delay <= 100, `every delay starts over at ~100 ms: ${delays}`)
})

test("policy 'never': a crashed worker stays down, the rest of the fleet runs on", async (t) => {
  const spec = {
    fleet: {
      name: 'never',
      workers: [
        {module: 'crasher.js', name: 'once-only', restart: 'never'},
        {module: 'idle.js', name: 'steady', options: {tickMs: 30}},
      ],
    },
    options: {initialBackoffMs: 50},
  }
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  const line = await run.waitFor(/\[decnet\] worker once-only \(pid \d+\) crashed \(exit code 1\); not restarting \(restart policy 'never'\)/)
  // The fleet still runs: the neighbour keeps ticking after the crash, and nothing restarts.
  await run.waitFor(/^steady \| tick \d+$/, {from: line.index + 1})
  const later = run.lines.length
  await run.waitFor(/^steady \| tick \d+$/, {from: later})
  assert.equal(run.readyPids('once-only').length, 1)
  run.kill('SIGTERM')
  const {code} = await run.waitForExit()
  assert.equal(code, 0, run.text)
})

test("policy 'on-failure': a clean unrequested exit is logged, not restarted; with nothing left the fleet ends", async (t) => {
  const run = startFleet({fleet: {name: 'clean', workers: [{module: 'once-ok.js', name: 'quitter'}]}})
  t.after(() => run.cleanup())
  const {code} = await run.waitForExit()
  assert.equal(code, 0, run.text)
  assert.match(run.text, /\[decnet\] worker quitter \(pid \d+\) exited \(code 0\) without being asked; not restarting \(restart policy 'on-failure'\)/)
  assert.match(run.text, /\[decnet\] fleet clean stopped: every worker exited and none is due a restart/)
  assert.equal(run.lines.filter((l) => /pass done/.test(l.text)).length, 1)
})

test("policy 'always': a clean exit is restarted too", async (t) => {
  const spec = {fleet: {name: 'always', workers: [{module: 'once-ok.js', name: 'looper', restart: 'always'}]}, options: {initialBackoffMs: 50}}
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  const first = await run.waitFor(/^looper \| pass done/)
  await run.waitFor(/\[decnet\] worker looper \(pid \d+\) exited \(code 0\) without being asked; restarting in \d+ ms/)
  await run.waitFor(/^looper \| pass done/, {from: first.index + 1})
  run.kill('SIGTERM')
  const {code} = await run.waitForExit()
  assert.equal(code, 0, run.text)
})
