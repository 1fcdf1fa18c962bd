// What only a real child shows of booting: the child entry's own words for each way a worker
// cannot boot (and its exit code 78), node failing before the entry even runs, and --once
// reaching the worker. What the supervisor then decides (halt, no respawn, stopping the
// neighbours, the --once outcomes) is in fleet-stop.test.ts and fleet-exit.test.ts.
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {describe, test} from 'node:test'

import {defined} from '../helpers/defined.js'
import {type HarnessSpec, startFleet} from '../helpers/fleet-harness.js'

const WORKER_BOOT_FAILED = 4
const ONCE_FAILED = 6
const CHILD_BOOT_FAILED = 78
// with its trailing slash: the harness resolves each module inside it
const workersDir = fileURLToPath(new URL('../fixtures/workers/', import.meta.url))

const bootCases = [
  {expect: `module ${workersDir}missing.js not found (export "default")`, module: 'missing.js', title: 'a missing module'},
  {expect: `module ${workersDir}not-a-function.js: export "default" is not a function (a number)`, module: 'not-a-function.js', title: 'an export that is not a function'},
  {expect: `module ${workersDir}idle.js: export "start" is not a function (no such export)`, export: 'start', module: 'idle.js', title: 'a missing export'},
  {expect: `importing module ${workersDir}throws-on-import.js (export "default") threw: broken at import time`, module: 'throws-on-import.js', title: 'a module that throws on import'},
]

// Each case is its own fleet (the first boot failure halts a fleet), so they run side by side.
describe('a worker that cannot boot', {concurrency: true}, () => {
  for (const bad of bootCases) {
    test(`${bad.title}: the child says why and exits 78; the fleet halts with WORKER_BOOT_FAILED instead of respawning`, async (t) => {
      const spec: HarnessSpec = {fleet: {name: 'boot', workers: [{export: bad.export, module: bad.module, name: 'broken'}]}, options: {initialBackoffMs: 10}}
      const run = startFleet(spec)
      t.after(() => run.cleanup())
      const {code} = await run.waitForExit()
      assert.equal(code, WORKER_BOOT_FAILED, run.text)
      const outcome = run.finalOutcome()
      assert.equal(outcome.reason, `worker broken could not boot: ${bad.expect}`)
      const [broken] = outcome.workers
      assert.equal(defined(broken.lastExit, `${broken.name}'s last exit`).code, CHILD_BOOT_FAILED, 'the child exits with its boot-failure code')
      assert.equal(defined(broken.lastExit, `${broken.name}'s last exit`).cause, 'boot-failed')
      assert.equal(broken.restarts, 0, 'never respawned')
      assert.ok(run.lines.some((l) => l.text === `broken | cannot boot: ${bad.expect}`), `the child says why:\n${run.text}`)
      assert.equal(run.lines.filter((l) => /\[decnet\] worker broken \(pid \d+\) could not boot: .*; stopping fleet boot$/.test(l.text)).length, 1, run.text)
    })
  }
})

test('a child that dies before its entry even runs is a boot failure too, not a crash loop', async (t) => {
  const spec: HarnessSpec = {
    fleet: {name: 'unborn', workers: [{module: 'idle.js', name: 'early'}]},
    options: {env: {NODE_OPTIONS: '--require /nonexistent/preload.cjs'}, initialBackoffMs: 10},
  }
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  const {code} = await run.waitForExit()
  assert.equal(code, WORKER_BOOT_FAILED, run.text)
  assert.match(run.finalOutcome().reason, /^worker early could not boot: its process exited \(code 1\) before the child entry ran/)
  assert.match(run.text, /^early \| Error: Cannot find module '\/nonexistent\/preload.cjs'$/m, "node's own complaint is relayed")
  assert.equal(run.finalOutcome().workers[0].restarts, 0)
})

test('--once: each worker runs one pass knowing it is --once; one that fails makes the fleet exit ONCE_FAILED, naming it', async (t) => {
  const spec: HarnessSpec = {
    fleet: {name: 'batch', workers: [{module: 'once-ok.js', name: 'good'}, {module: 'once-fail.js', name: 'bad'}]},
    options: {initialBackoffMs: 10, once: true},
  }
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  const {code} = await run.waitForExit()
  assert.equal(code, ONCE_FAILED, run.text)
  assert.equal(run.finalOutcome().reason, '1 of 2 workers failed: bad (crashed)')
  assert.match(run.text, /^good \| pass done \(once=true\)$/m)
  assert.match(run.text, /\[decnet\] worker good \(pid \d+\) finished \(code 0\)/)
  assert.match(run.text, /^bad \| worker bad failed: Error: pass failed$/m)
  assert.doesNotMatch(run.text, /restarting/)
  assert.deepEqual(run.finalOutcome().workers.map((w) => [w.name, defined(w.lastExit, `${w.name}'s last exit`).cause, w.restarts]), [['good', 'exited', 0], ['bad', 'crashed', 0]])
})
