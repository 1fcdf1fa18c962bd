// The watchdog against healthy children: with short periods (1 s, 2 s) the heartbeats (a third of
// the period) keep idle and busy-but-responsive workers alive for several periods; the hung case
// is in supervisor-shutdown.test.ts.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {defined} from '../helpers/defined.js'
import {type HarnessSpec, startFleet} from '../helpers/fleet-harness.js'

/** A fleet of an idle and a busy (50 ms blocks every 100 ms) worker that both return after `periods` watchdog periods. */
function lingeringFleet(watchdogMs: number, periods: number): HarnessSpec {
  const ms = watchdogMs * periods
  return {
    fleet: {
      name: `healthy-${watchdogMs}`,
      workers: [
        {module: 'linger.js', name: 'calm', options: {ms}},
        {module: 'linger.js', name: 'busy', options: {busyMs: 50, everyMs: 100, ms}},
      ],
    },
    options: {initialBackoffMs: 50, watchdogMs},
  }
}

test('healthy children are never killed by a short watchdog (1 s and 2 s), idle or busy', async (t) => {
  const periods = 5
  const runs = [1000, 2000].map((watchdogMs) => ({run: startFleet(lingeringFleet(watchdogMs, periods)), watchdogMs}))
  t.after(() => Promise.all(runs.map(({run}) => run.cleanup())))
  await Promise.all(runs.map(async ({run, watchdogMs}) => {
    // Every worker returns by itself after `periods` periods; then the fleet ends with exit 0.
    const {code} = await run.waitForExit(watchdogMs * periods + 30_000)
    assert.doesNotMatch(run.text, /\[decnet\].*(hung|SIGKILL)/, `watchdog ${watchdogMs} ms killed a healthy child:\n${run.text}`)
    assert.equal(code, 0, run.text)
    assert.equal(run.lines.filter((line) => /^(calm|busy) \| lingered \d+ ms$/.test(line.text)).length, 2, run.text)
    for (const worker of run.finalOutcome().workers) {
      assert.equal(worker.restarts, 0, `${worker.name}: ${run.text}`)
      assert.equal(defined(worker.lastExit, `${worker.name}'s last exit`).cause, 'exited', `${worker.name}: ${run.text}`)
    }
  }))
})
