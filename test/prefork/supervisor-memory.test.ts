// Per-worker memory limits: a real leaking worker (test/fixtures/workers/leak.js) is stopped and
// restarted once the master reads its RSS over the limit from /proc; the log line and the exit
// record say why; its worker sees its abort; its neighbour keeps its process. Plus the pieces:
// /proc reading, the reason text, option validation. The decisions (SIGKILL after the grace
// period for one that ignores SIGTERM, the --max-memory override, no check while stopping) are
// in fleet-exit.test.ts, over fake children, a manual clock and made-up RSS readings.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import type {ChildHandle} from '../../src/prefork/child-handle.js'
import {Supervisor} from '../../src/prefork/index.js'
import {memoryLimitReason, MemoryLimits, residentBytes} from '../../src/prefork/memory-limit.js'
import type {Slot} from '../../src/prefork/slot.js'
import {defined} from '../helpers/defined.js'
import {fleetOf} from '../helpers/fake-children.js'
import {type HarnessSpec, isAlive, startFleet} from '../helpers/fleet-harness.js'
import {childHandle, slotOf} from '../helpers/slots.js'

const OVER = /^\[decnet\] worker leak \(pid (\d+)\) is over its memory limit: RSS (\d+) MB > 100 MB; stopping it to restart it \(grace \d+ ms\)$/

describe('a worker over its memory limit', () => {
  test('is stopped (SIGTERM) and restarted, with the reason in the log and its exit record; its neighbour is untouched', async (t) => {
    const spec: HarnessSpec = {
      fleet: {
        name: 'leaky',
        workers: [
          {maxMemoryMb: 100, module: 'leak.js', name: 'leak', options: {chunkMb: 10, everyMs: 50}},
          {module: 'idle.js', name: 'steady', options: {tickMs: 100}},
        ],
      },
      options: {initialBackoffMs: 100, memoryCheckMs: 100},
    }
    const run = startFleet(spec)
    t.after(() => run.cleanup())
    const over = await run.waitFor(OVER, {timeoutMs: 30_000})
    const [, pid, rssMb] = over.match
    assert.ok(Number(rssMb) > 100, over.text)
    assert.deepEqual(run.readyPids('leak'), [Number(pid)], 'the line names the process that leaked')
    const stopped = await run.waitFor(
      new RegExp(`^\\[decnet\\] worker leak \\(pid ${pid}\\) stopped: memory limit: RSS ${rssMb} MB > 100 MB; restarting in \\d+ ms$`),
      {from: over.index},
    )
    await run.waitFor(/^leak \| leak aborted holding \d+ MiB$/, {from: over.index})
    // the restarted copy is a new process that is ready again
    await run.waitFor(/^\[decnet\] worker leak ready \(pid \d+\)$/, {from: stopped.index})
    const leakPids = run.readyPids('leak')
    assert.equal(leakPids.length, 2, run.text)
    assert.notEqual(leakPids[1], leakPids[0])
    assert.ok(!isAlive(leakPids[0]), 'the leaking process is gone')

    // the neighbour: same process, still ticking after the restart
    const steady = run.readyPids('steady')
    assert.equal(steady.length, 1, run.text)
    assert.ok(isAlive(steady[0]))
    const lastTick = run.lines.findLastIndex((line) => /^steady \| tick \d+$/.test(line.text))
    await run.waitFor(/^steady \| tick \d+$/, {from: Math.max(lastTick + 1, stopped.index)})

    run.kill('SIGTERM')
    const {code} = await run.waitForExit(20_000)
    assert.equal(code, 0, run.text)
    const outcome = run.finalOutcome()
    const leak = defined(outcome.workers.find((worker) => worker.name === 'leak'), 'worker leak')
    assert.ok(leak.restarts >= 1, JSON.stringify(leak))
    assert.equal(defined(outcome.workers.find((worker) => worker.name === 'steady'), 'worker steady').restarts, 0)
    // the last exit is the fleet stop, unless the second copy hit the limit too before it
    assert.ok(['stopped', 'memory-limit'].includes(defined(leak.lastExit, `${leak.name}'s last exit`).cause), JSON.stringify(leak.lastExit))
  })
})

describe('memory limit pieces', () => {
  test('residentBytes reads VmRSS of a live process, null for one that does not exist', () => {
    const rss = defined(residentBytes(process.pid), 'the RSS of this process')
    const vmRss = Number(defined(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8')), 'a VmRSS line')[1]) * 1024
    assert.ok(rss > 10 * 1024 * 1024, `node itself holds more than 10 MiB: ${rss}`)
    assert.ok(Math.abs(rss - vmRss) < 64 * 1024 * 1024, `${rss} ~ ${vmRss}`)
    assert.equal(residentBytes(2 ** 22 + 1), null)
  })

  test('the reason rounds the RSS up, so it always reads as over the limit', () => {
    assert.equal(memoryLimitReason(851_443_712, 512), 'memory limit: RSS 812 MB > 512 MB')
    assert.equal(memoryLimitReason(851_443_713, 512), 'memory limit: RSS 813 MB > 512 MB')
    assert.equal(memoryLimitReason(512 * 1024 * 1024 + 1, 512), 'memory limit: RSS 513 MB > 512 MB')
  })

  test('no timer at all when no worker has a limit', () => {
    const slot = (maxMemoryMb: number | undefined): Slot => slotOf({maxMemoryMb, name: 'w'})
    const none = new MemoryLimits([slot(undefined)], {maxMemoryMb: undefined, memoryCheckMs: 10}, () => assert.fail('no limit'))
    assert.equal(none.active, false)
    assert.equal(new MemoryLimits([slot(undefined)], {maxMemoryMb: 64, memoryCheckMs: 10}, () => {}).active, true)
    assert.equal(new MemoryLimits([slot(64)], {maxMemoryMb: undefined, memoryCheckMs: 10}, () => {}).active, true)
  })

  test('a child over its limit is reported once; one being stopped is not checked', () => {
    const reported: Array<[ChildHandle, string]> = []
    const child = childHandle({pid: process.pid})
    const limits = new MemoryLimits([slotOf({maxMemoryMb: 1, name: 'w'}, {child})], {maxMemoryMb: undefined, memoryCheckMs: 10}, (c, reason) =>
      reported.push([c, reason]),
    )
    limits.check()
    limits.check()
    assert.equal(reported.length, 1)
    assert.equal(reported[0][0], child)
    assert.match(reported[0][1], /^memory limit: RSS \d+ MB > 1 MB$/)
    // the same child once asked to stop: over its limit all the same, but not reported
    const asked = childHandle({asked: true, pid: process.pid})
    const skipped: string[] = []
    new MemoryLimits([slotOf({maxMemoryMb: 1, name: 'w'}, {child: asked})], {maxMemoryMb: undefined, memoryCheckMs: 10}, (_c, reason) => skipped.push(reason)).check()
    assert.deepEqual(skipped, [], 'a child being stopped is not checked')
  })

  test('the supervisor validates maxMemoryMb and memoryCheckMs', () => {
    const fleet = fleetOf([{modulePath: '/x.js', name: 'w'}], {name: 'f', profile: 'root'})
    for (const maxMemoryMb of [0, -1, 1.5, Number.NaN, 2 ** 21]) {
      assert.throws(() => new Supervisor({fleet, maxMemoryMb}), {message: `Expected \`maxMemoryMb\` to be a whole number of MiB from 1 to 1048576, got \`${maxMemoryMb}\``})
    }

    assert.throws(() => new Supervisor({fleet, memoryCheckMs: -5}), /Expected `memoryCheckMs` to be a non-negative number of milliseconds, got `-5`/)
    assert.ok(new Supervisor({fleet, maxMemoryMb: 512}))
  })
})
