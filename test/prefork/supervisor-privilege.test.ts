// Privilege: children run as the uid/gid they are given, and a child holding more than its
// fleet's profile allows is killed and stops the fleet with PRIVILEGE_EXCEEDED.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {test} from 'node:test'

import {defined} from '../helpers/defined.js'
import {type HarnessSpec, isAlive, startFleet, statusIds} from '../helpers/fleet-harness.js'

const PRIVILEGE_EXCEEDED = 7
const NOBODY = 65534
const isRoot = process.getuid?.() === 0
const childEntry = fileURLToPath(new URL('../../dist/prefork/child.js', import.meta.url))
const fixture = fileURLToPath(new URL('../fixtures/workers/report.js', import.meta.url))

/** Why uid `nobody` cannot run a fleet from this checkout (e.g. a clone under /root), or null. */
function nobodyCannotRead() {
  const check = spawnSync(process.execPath, ['-e', `for (const f of process.argv.slice(1)) require('fs').accessSync(f, require('fs').constants.R_OK)`, childEntry, fixture], {
    encoding: 'utf8',
    gid: NOBODY,
    uid: NOBODY,
  })
  return check.status === 0 ? null : `uid ${NOBODY} cannot read this checkout: ${(check.stderr || check.error?.message || '').split('\n')[0]}`
}

test("a 'database' fleet running as root is killed with PRIVILEGE_EXCEEDED, saying what was found", {skip: !isRoot && 'needs root'}, async (t) => {
  const spec: HarnessSpec = {fleet: {name: 'db', profile: 'database', workers: [{module: 'idle.js', name: 'reader'}, {module: 'idle.js', name: 'writer'}]}}
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  const {code} = await run.waitForExit()
  assert.equal(code, PRIVILEGE_EXCEEDED, run.text)
  const {reason, workers} = run.finalOutcome()
  assert.match(reason, /^worker (reader|writer) \(pid \d+\) runs as root \(uid 0, euid 0\).*more than the 'database' profile allows$/)
  assert.match(run.text, /\[decnet\] worker (reader|writer) \(pid \d+\) runs as root .*; killed it, stopping fleet db/)
  assert.ok(workers.some((w) => w.lastExit?.cause === 'privilege' && defined(w.lastExit, `${w.name}'s last exit`).forciblyKilled), JSON.stringify(workers))
  assert.doesNotMatch(run.text, /fleet db ready/, 'the fleet never counts as ready')
  assert.doesNotMatch(run.text, /restarting/)
  for (const w of workers) assert.ok(!w.lastExit || !isAlive(defined(w.lastExit, `${w.name}'s last exit`).pid))
})

test('allowRoot turns the same finding into a warning and the fleet runs', {skip: !isRoot && 'needs root'}, async (t) => {
  const spec: HarnessSpec = {fleet: {name: 'db', profile: 'database', workers: [{module: 'idle.js', name: 'reader'}]}, options: {allowRoot: true}}
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  await run.waitFor(/fleet db ready \(1 worker\)/)
  assert.match(run.text, /\[decnet\] worker reader \(pid \d+\) runs as root .*\(allowed: running with --allow-root\)/)
  run.kill('SIGTERM')
  const {code} = await run.waitForExit()
  assert.equal(code, 0, run.text)
})

test('uid/gid: children run as nobody, with that user\'s HOME and USER, and pass the database profile check', {skip: !isRoot && 'needs root'}, async (t) => {
  const unreadable = nobodyCannotRead()
  if (unreadable) return t.skip(unreadable)
  const spec: HarnessSpec = {fleet: {name: 'dropped', profile: 'database', workers: [{module: 'report.js', name: 'reporter'}]}, options: {gid: NOBODY, uid: NOBODY}}
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  await run.waitFor(/fleet dropped ready \(1 worker\)/)
  const [pid] = run.readyPids('reporter')
  assert.deepEqual(statusIds(pid, 'Uid'), [NOBODY, NOBODY, NOBODY, NOBODY], 'real, effective, saved and fs uid')
  assert.deepEqual(statusIds(pid, 'Gid'), [NOBODY, NOBODY, NOBODY, NOBODY])
  assert.deepEqual(statusIds(pid, 'Groups'), [], 'no supplementary groups (root\'s are dropped)')
  const info = JSON.parse((await run.waitFor(/^reporter \| report (.*)$/)).match[1])
  assert.equal(info.uid, NOBODY)
  assert.equal(info.env.USER, 'nobody')
  assert.notEqual(info.env.HOME, process.env.HOME, "not root's HOME")
  run.kill('SIGTERM')
  const {code} = await run.waitForExit()
  assert.equal(code, 0, run.text)
})
