// How a fleet ends, decided over fake children and a manual clock: a stop (SIGTERM to every
// child, the grace period, SIGKILL for the rest; a second stop means now, unless it is the same
// burst), a worker that cannot boot halting the fleet, and a child holding too much privilege.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {SupervisorOptions, WorkerReport} from '../../src/prefork/options.js'
import type {WorkerExit} from '../../src/prefork/worker-exit.js'
import {defined} from '../helpers/defined.js'
import {type FakeFleet, type FakeFleetSetup, fakeFleet, ROOT} from '../helpers/fake-children.js'

const STOP_FORCED = 5
const WORKER_BOOT_FAILED = 4
const PRIVILEGE_EXCEEDED = 7
const CHILD_BOOT_FAILED = 78

/** A fleet of `names`, every child up. */
/** The last exit of worker `name` in a fleet's outcome; fails the test when it has none. */
function lastExitOf(workers: readonly WorkerReport[], name: string): WorkerExit {
  return defined(defined(workers.find((w) => w.name === name), `worker ${name}`).lastExit, `${name}'s last exit`)
}

function upFleet(names: readonly string[], options?: Omit<SupervisorOptions, 'fleet' | 'log'>, extra?: FakeFleetSetup): FakeFleet {
  const fleet = fakeFleet(names.map((name) => ({name})), options, extra)
  for (const name of names) fleet.children.of(name).up()
  return fleet
}

test('stop: SIGTERM to every child, once; those that stop are "stopped"; exit 0 and no timer left', async () => {
  const fleet = upFleet(['alpha', 'beta'])
  fleet.supervisor.stop('SIGTERM')
  assert.match(fleet.text, /info: \[decnet\] stopping fleet f \(SIGTERM\); grace 15000 ms/)
  for (const name of ['alpha', 'beta']) assert.deepEqual(fleet.children.of(name).signals, ['SIGTERM'], name)
  assert.equal(fleet.supervisor.snapshot().stopping, true)
  assert.equal(fleet.supervisor.snapshot().workers[0].state, 'stopping')
  fleet.children.of('alpha').exit(0)
  fleet.children.of('beta').exit(null, 'SIGTERM')
  const outcome = await fleet.finished()
  assert.equal(outcome.code, 0)
  assert.equal(outcome.reason, 'SIGTERM')
  assert.deepEqual(outcome.killed, [])
  assert.deepEqual(
    outcome.workers.map((w) => {
      const exit = lastExitOf(outcome.workers, w.name)
      return [w.name, exit.cause, exit.requested, exit.forciblyKilled]
    }),
    [
      ['alpha', 'stopped', true, false],
      ['beta', 'stopped', true, false],
    ],
  )
  assert.match(fleet.text, /info: \[decnet\] worker alpha \(pid \d+\) stopped$/m)
  assert.match(fleet.text, /info: \[decnet\] fleet f stopped: SIGTERM$/m)
  assert.deepEqual(fleet.clock.pending, [], 'the grace timer is disarmed once everything exited')
  assert.equal(fleet.children.forked.length, 2, 'nothing is restarted after a stop')
})

test('stop: a child still there after the grace period is SIGKILLed (not a millisecond before), named, and the exit code is STOP_FORCED', async () => {
  const fleet = upFleet(['mule', 'polite'], {graceMs: 300})
  fleet.supervisor.stop('SIGTERM')
  fleet.children.of('polite').exit(0)
  fleet.clock.advance(299)
  assert.deepEqual(fleet.children.of('mule').signals, ['SIGTERM'])
  fleet.clock.advance(1)
  assert.deepEqual(fleet.children.of('mule').signals, ['SIGTERM', 'SIGKILL'])
  assert.match(fleet.text, /warn: \[decnet\] grace period of 300 ms expired: killing mule \(SIGKILL\)$/m)
  fleet.children.of('mule').obey()
  const outcome = await fleet.finished()
  assert.equal(outcome.code, STOP_FORCED)
  assert.deepEqual(outcome.killed, ['mule'])
  assert.equal(outcome.reason, 'SIGTERM; had to SIGKILL: mule')
  const mule = lastExitOf(outcome.workers, 'mule')
  assert.deepEqual([mule.cause, mule.signal, mule.forciblyKilled, mule.requested], ['killed-after-grace', 'SIGKILL', true, true])
  assert.match(fleet.text, /warn: \[decnet\] worker mule \(pid \d+\) did not stop within 300 ms; killed \(SIGKILL\)$/m)
  assert.match(fleet.text, /error: \[decnet\] fleet f stopped: SIGTERM; had to SIGKILL: mule$/m)
})

test('stop: asked again (100 ms or more later) kills what is left at once; the same signal twice within 100 ms counts once', async () => {
  const fleet = upFleet(['mule'], {graceMs: 60_000})
  fleet.supervisor.stop('SIGTERM')
  fleet.clock.advance(99)
  fleet.supervisor.stop('SIGTERM')
  assert.deepEqual(fleet.children.of('mule').signals, ['SIGTERM'], 'within 100 ms: the same burst (timeout(1) signals twice)')
  fleet.clock.advance(1)
  fleet.supervisor.stop('SIGINT')
  assert.deepEqual(fleet.children.of('mule').signals, ['SIGTERM', 'SIGKILL'], 'at 100 ms: asked again')
  assert.match(fleet.text, /warn: \[decnet\] stop asked again: killing mule now \(SIGKILL\)$/m)
  fleet.children.of('mule').obey()
  const outcome = await fleet.finished()
  assert.equal(outcome.code, STOP_FORCED)
  assert.deepEqual(outcome.killed, ['mule'])
  assert.equal(outcome.reason, 'SIGTERM; had to SIGKILL: mule', 'the first reason wins')
  assert.equal(defined(outcome.workers[0].lastExit, 'its last exit').cause, 'killed-on-demand')
  assert.match(fleet.text, /warn: \[decnet\] worker mule \(pid \d+\) killed at once \(SIGKILL\): stop asked twice$/m)
  assert.deepEqual(fleet.clock.pending, [], 'the grace timer went with the forced kill')
})

test('stop: SIGINT is said as such; a child that crashes while stopping is "crashed ... while stopping"', async () => {
  const fleet = upFleet(['w'])
  fleet.supervisor.stop('SIGINT')
  assert.match(fleet.text, /stopping fleet f \(SIGINT\)/)
  fleet.children.of('w').exit(1)
  const outcome = await fleet.finished()
  assert.equal(outcome.code, 0, 'a stop request is a clean end whatever the workers did')
  assert.match(fleet.text, /error: \[decnet\] worker w \(pid \d+\) crashed \(exit code 1\) while stopping$/m)
})

test('a worker that cannot boot halts the fleet with WORKER_BOOT_FAILED: its neighbours are stopped, nothing restarts, whatever the policy', async () => {
  for (const restart of ['on-failure', 'always', 'never'] as const) {
    const fleet = fakeFleet([{name: 'fine'}, {name: 'broken', restart}], {initialBackoffMs: 10})
    fleet.children.of('fine').up()
    const broken = fleet.children.of('broken').hello()
    assert.equal(broken.sent[0].type, 'start', 'hello is answered with start')
    broken.bootFailed('module /m.js not found (export "default")')
    assert.deepEqual(fleet.children.of('fine').signals, ['SIGTERM'], `${restart}: the neighbour is stopped`)
    fleet.children.of('fine').obey()
    const outcome = await fleet.finished()
    assert.equal(outcome.code, WORKER_BOOT_FAILED, restart)
    assert.equal(outcome.reason, 'worker broken could not boot: module /m.js not found (export "default")')
    const last = defined(outcome.workers.find((w) => w.name === 'broken'), 'worker broken')
    const exit = lastExitOf(outcome.workers, 'broken')
    assert.deepEqual([exit.cause, exit.code, last.restarts], ['boot-failed', CHILD_BOOT_FAILED, 0])
    assert.equal(fleet.children.all('broken').length, 1, 'never respawned')
    assert.deepEqual(fleet.grep(/^\[decnet\] worker broken .*could not boot/), [
      '[decnet] worker broken (pid 1001) could not boot: module /m.js not found (export "default"); stopping fleet f',
    ])
    assert.match(fleet.text, /error: \[decnet\] fleet f stopped: worker broken could not boot/)
  }
})

test('a child that dies before its entry ran (no hello, non-zero code) is a boot failure; after hello it is a crash', async () => {
  const unborn = fakeFleet([{name: 'early'}])
  unborn.children.of('early').exit(1)
  const outcome = await unborn.finished()
  assert.equal(outcome.code, WORKER_BOOT_FAILED)
  assert.match(outcome.reason, /^worker early could not boot: its process exited \(code 1\) before the child entry ran \(see its output above; is \/.*child\.[jt]s readable\?\)$/)
  assert.equal(outcome.workers[0].restarts, 0)

  const greeted = fakeFleet([{name: 'w'}])
  greeted.children.of('w').hello().exit(1)
  assert.match(greeted.text, /crashed \(exit code 1\); restarting in 1000 ms/, 'after hello, a non-zero exit is a crash')

})

test('a fork that throws halts the fleet: "could not start", WORKER_BOOT_FAILED, a record with pid 0', async () => {
  const fleet = fakeFleet([{name: 'w'}])
  fleet.children.of('w').up()
  fleet.children.failNext('w', new Error('spawn EPERM'))
  fleet.children.of('w').exit(1)
  fleet.clock.advanceToNext()
  const outcome = await fleet.finished()
  assert.equal(outcome.code, WORKER_BOOT_FAILED)
  assert.equal(outcome.reason, 'worker w could not start: spawn EPERM')
  assert.deepEqual([defined(outcome.workers[0].lastExit, 'its last exit').cause, defined(outcome.workers[0].lastExit, 'its last exit').pid], ['boot-failed', 0])
  assert.match(fleet.text, /error: \[decnet\] worker w could not start: spawn EPERM; stopping fleet f$/m)
})

test('a child holding more privilege than its profile is SIGKILLed and the fleet stops with PRIVILEGE_EXCEEDED; never ready', async () => {
  const fleet = fakeFleet([{name: 'reader'}, {name: 'writer'}], {}, {profile: 'database'})
  fleet.children.of('writer').up()
  fleet.children.of('reader').up(ROOT)
  // Killed first; the fleet's stop then asks every child still there (it too, harmlessly) to stop.
  assert.deepEqual(fleet.children.of('reader').signals, ['SIGKILL', 'SIGTERM'])
  assert.equal(fleet.children.of('reader').killCause, 'privilege')
  assert.deepEqual(fleet.children.of('writer').signals, ['SIGTERM'])
  fleet.children.of('reader').obey()
  fleet.children.of('writer').obey()
  const outcome = await fleet.finished()
  assert.equal(outcome.code, PRIVILEGE_EXCEEDED)
  assert.match(outcome.reason, /^worker reader \(pid \d+\) runs as root \(uid 0, euid 0\).*more than the 'database' profile allows$/)
  assert.match(fleet.text, /error: \[decnet\] worker reader \(pid \d+\) runs as root .*; killed it, stopping fleet f$/m)
  const reader = lastExitOf(outcome.workers, 'reader')
  assert.deepEqual([reader.cause, reader.forciblyKilled], ['privilege', true])
  assert.doesNotMatch(fleet.text, /fleet f ready|restarting/)
  assert.equal(fleet.children.forked.length, 2)
})

test('allowRoot turns the same finding into a warning and the fleet runs', () => {
  const fleet = fakeFleet([{name: 'reader'}], {allowRoot: true}, {profile: 'database'})
  fleet.children.of('reader').up(ROOT)
  assert.deepEqual(fleet.children.of('reader').signals, [])
  assert.match(fleet.text, /warn: \[decnet\] worker reader \(pid \d+\) runs as root .*\(allowed: running with --allow-root\)$/m)
  assert.match(fleet.text, /info: \[decnet\] fleet f ready \(1 worker\)$/m)
})
