// How workers are started: the setpriv plan per profile and master, what happens without setpriv,
// the child's own check of what it was started with, descriptors it inherits by accident, and
// which workers see libpq's PG* settings. Real supervisors and processes, read through /proc.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test, type TestContext} from 'node:test'

import {type Credentials, hardeningShortfall, readCredentials} from '../../src/prefork/credentials.js'
import {findSetpriv} from '../../src/prefork/find-setpriv.js'
import {fromWireCredentials, toWireCredentials} from '../../src/prefork/messages.js'
import {planWorkerHardening, type WorkerHardening} from '../../src/prefork/worker-hardening.js'
import {defined} from '../helpers/defined.js'
import {FleetRun, type HarnessSpec} from '../helpers/fleet-harness.js'
import {descriptorsOf, statusFields} from '../helpers/pty.js'

const HARNESS = new URL('../fixtures/run-supervisor.js', import.meta.url).pathname
const ALL = (1n << 41n) - 1n
const root: Credentials = {capEff: ALL, egid: 0, euid: 0, gid: 0, groups: [], uid: 0}
const ordinary: Credentials = {capEff: 0n, egid: 1000, euid: 1000, gid: 1000, groups: [], uid: 1000}
const SETPRIV = '/usr/bin/setpriv'
const setpriv = findSetpriv()
const isRoot = process.getuid?.() === 0

/** The wrapper of a plan that must have one. */
const wrapperOf = (plan: WorkerHardening): NonNullable<WorkerHardening['wrapper']> => defined(plan.wrapper, 'a setpriv wrapper')

/** Starts the harness with extra descriptors (stdio entries after fd 2). */
function startHarness(spec: HarnessSpec, {env = process.env, extra = []}: {env?: NodeJS.ProcessEnv; extra?: Array<'ignore' | number>} = {}): FleetRun {
  return new FleetRun(spawn(process.execPath, [HARNESS, JSON.stringify(spec)], {env, stdio: ['ignore', 'pipe', 'pipe', ...extra]}))
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-hardening-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

test('plan: root drops a database worker to its user through setpriv, with no_new_privs and an empty bounding set', () => {
  const plan = planWorkerHardening({gid: 65534, master: root, profile: 'database', setpriv: SETPRIV, uid: 65534})
  assert.deepEqual(plan.wrapper, {args: ['--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--reuid=65534', '--regid=65534', '--clear-groups'], path: SETPRIV})
  assert.equal(plan.uid, undefined, 'setpriv switches the user, after it shrinks the bounding set (node would switch first)')
  assert.deepEqual(plan.expected, {boundingSet: 0n, noNewPrivs: true})
  assert.equal(plan.shortfall, undefined)
})

test('plan: net-raw keeps CAP_NET_RAW (ambient across the uid change), and only it in the bounding set', () => {
  const plan = planWorkerHardening({gid: 65534, master: root, profile: 'net-raw', setpriv: SETPRIV, uid: 65534})
  assert.deepEqual(wrapperOf(plan).args, ['--no-new-privs', '--inh-caps=-all,+net_raw', '--bounding-set=-all,+net_raw', '--reuid=65534', '--regid=65534', '--clear-groups', '--ambient-caps=-all,+net_raw'])
  assert.deepEqual(plan.expected, {boundingSet: 1n << 13n, noNewPrivs: true})
})

test('plan: net-bind keeps CAP_NET_BIND_SERVICE (ambient across the uid change), and only it in the bounding set', () => {
  const plan = planWorkerHardening({gid: 65534, master: root, profile: 'net-bind', setpriv: SETPRIV, uid: 65534})
  assert.deepEqual(wrapperOf(plan).args, [
    '--no-new-privs',
    '--inh-caps=-all,+net_bind_service',
    '--bounding-set=-all,+net_bind_service',
    '--reuid=65534',
    '--regid=65534',
    '--clear-groups',
    '--ambient-caps=-all,+net_bind_service',
  ])
  assert.deepEqual(plan.expected, {boundingSet: 1n << 10n, noNewPrivs: true})
  const without = planWorkerHardening({gid: 65534, master: root, profile: 'net-bind', uid: 65534})
  assert.match(defined(without.shortfall, 'a shortfall'), /without CAP_NET_BIND_SERVICE \(a uid change clears it without setpriv\)/)
})

test('plan: --allow-root workers stay root but get no_new_privs and the bounding set of their profile', () => {
  const plan = planWorkerHardening({master: root, profile: 'docker', setpriv: SETPRIV})
  assert.deepEqual(wrapperOf(plan).args, ['--no-new-privs', '--inh-caps=-all', '--bounding-set=-all'])
  assert.deepEqual(plan.expected, {boundingSet: 0n, noNewPrivs: true})
})

test('plan: an ordinary master sets no_new_privs only (shrinking the bounding set needs CAP_SETPCAP)', () => {
  const plan = planWorkerHardening({master: ordinary, profile: 'database', setpriv: SETPRIV})
  assert.deepEqual(wrapperOf(plan).args, ['--no-new-privs'])
  assert.deepEqual(plan.expected, {boundingSet: undefined, noNewPrivs: true})
})

test('plan: a root fleet starts as before; without setpriv node switches the user and the shortfall is said', () => {
  assert.deepEqual(planWorkerHardening({master: root, profile: 'root', setpriv: SETPRIV}), {expected: {noNewPrivs: false}, gid: undefined, uid: undefined})
  const plan = planWorkerHardening({gid: 65534, master: root, profile: 'net-raw', uid: 65534})
  assert.equal(plan.wrapper, undefined)
  assert.equal(plan.uid, 65534)
  assert.equal(plan.gid, 65534)
  assert.deepEqual(plan.expected, {noNewPrivs: false})
  assert.equal(
    plan.shortfall,
    "util-linux setpriv not found (looked in /usr/bin, /bin, /usr/sbin, /sbin): workers of profile 'net-raw' run without no_new_privs " +
      "(a setuid program could elevate them), without a bounding set limited to the profile's capabilities, without CAP_NET_RAW " +
      '(a uid change clears it without setpriv); install util-linux',
  )
  assert.match(defined(planWorkerHardening({master: ordinary, profile: 'database'}).shortfall, 'a shortfall'), /run without no_new_privs \(a setuid program could elevate them\); install util-linux$/)
})

test("plan without setpriv under a systemd unit: the master's no_new_privs and bounding set pass to the workers, so nothing is missing", () => {
  const unitMaster = {...ordinary, capBnd: 1n << 13n, capEff: 1n << 13n, noNewPrivs: true}
  const plan = planWorkerHardening({master: unitMaster, profile: 'net-raw'})
  assert.equal(plan.shortfall, undefined)
  assert.deepEqual(plan.expected, {noNewPrivs: true}, 'still checked: inherited from the master')
})

test('a child reads and reports no_new_privs and its bounding set; the master says what is missing against what it expected', () => {
  const status = 'Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t\nCapEff:\t0000000000000000\nCapBnd:\t0000000000002001\nNoNewPrivs:\t1\n'
  const creds = readCredentials(status)
  assert.equal(creds.noNewPrivs, true)
  assert.equal(creds.capBnd, 0x2001n)
  assert.deepEqual(fromWireCredentials(JSON.parse(JSON.stringify(toWireCredentials(creds)))), creds, 'survives JSON IPC')
  // a child's report is JSON: the check must not trust its types
  assert.throws(() => fromWireCredentials(JSON.parse(JSON.stringify({...toWireCredentials(creds), noNewPrivs: 'yes'}))), /malformed credentials/)
  assert.equal(hardeningShortfall(creds, {boundingSet: 0x2001n, noNewPrivs: true}), null)
  assert.equal(hardeningShortfall(creds, {boundingSet: 1n << 13n, noNewPrivs: true}), 'its bounding set keeps capability cap_chown')
  assert.equal(hardeningShortfall({...creds, noNewPrivs: false}, {noNewPrivs: true}), 'no_new_privs is off (a setuid program would elevate it)')
  assert.equal(
    hardeningShortfall({...creds, capBnd: undefined, noNewPrivs: undefined}, {boundingSet: 0n, noNewPrivs: true}),
    'no_new_privs is not reported; its bounding set is not reported',
    'a child that leaves them out is not trusted',
  )
  assert.equal(hardeningShortfall({...creds, noNewPrivs: false}, {noNewPrivs: false}), null, 'nothing expected, nothing missing')
})

test('findSetpriv: only util-linux setpriv counts; none found is undefined', (t) => {
  const dir = tempDir(t)
  const impostor = join(dir, 'setpriv')
  writeFileSync(impostor, '#!/bin/sh\necho "setpriv from BusyBox"\n')
  chmodSync(impostor, 0o755)
  assert.equal(findSetpriv([join(dir, 'missing'), impostor]), undefined)
  if (setpriv) assert.equal(findSetpriv([impostor, setpriv]), setpriv)
})

test('a wrapper that drops the hardening is caught by the child\'s own report: the fleet stops with PRIVILEGE_EXCEEDED', async (t) => {
  // A "setpriv" that ignores its options and just runs node: the worker comes up without no_new_privs.
  const dir = tempDir(t)
  const fake = join(dir, 'setpriv')
  writeFileSync(fake, '#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done\nshift\nexec "$@"\n')
  chmodSync(fake, 0o755)
  const spec: HarnessSpec = {fleet: {name: 'lax', profile: 'database', workers: [{module: 'idle.js', name: 'w'}]}, options: {allowRoot: false, setpriv: fake}}
  const run = startHarness(spec)
  t.after(() => run.cleanup())
  const {code} = await run.waitForExit()
  assert.equal(code, 7, run.text)
  assert.match(run.finalOutcome().reason, /^worker w \(pid \d+\) lacks the hardening decnet started it with: no_new_privs is off \(a setuid program would elevate it\)/)
  if (isRoot) assert.match(run.finalOutcome().reason, /; its bounding set keeps 4\d capabilities \(cap_chown, .* and 3\d more\); runs as root \(uid 0, euid 0\)/)
  assert.match(run.text, /\[decnet\] worker w \(pid \d+\) lacks the hardening .*; killed it, stopping fleet lax/)
})

test('setpriv: false starts workers as before (no no_new_privs), without a warning: the caller chose', async (t) => {
  const spec: HarnessSpec = {fleet: {name: 'plain', profile: 'root', workers: [{module: 'idle.js', name: 'w'}]}, options: {setpriv: false}}
  const run = startHarness(spec)
  t.after(() => run.cleanup())
  await run.waitFor(/fleet plain ready/)
  const [pid] = run.readyPids('w')
  assert.equal(statusFields(pid).get('NoNewPrivs'), '0')
  assert.doesNotMatch(run.text, /setpriv/)
  run.kill('SIGTERM')
  assert.equal((await run.waitForExit()).code, 0, run.text)
})

test("a descriptor the master inherited without close-on-exec is closed in each worker before its code runs", async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'held-open')
  writeFileSync(file, 'secret\n', {mode: 0o600})
  const fd = openSync(file, 'r')
  t.after(() => closeSync(fd))
  const spec: HarnessSpec = {fleet: {name: 'fds', workers: [{module: 'idle.js', name: 'w'}]}}
  // The master gets it as fd 20 (spawn's stdio entries are not close-on-exec). Not lower: node marks
  // the descriptors from 3 to 16 close-on-exec as it starts (measured on node 20), not the ones above.
  const run = startHarness(spec, {extra: [...Array.from({length: 17}, (): 'ignore' => 'ignore'), fd]})
  t.after(() => run.cleanup())
  await run.waitFor(/fleet fds ready/)
  assert.ok(descriptorsOf(run.pid).some((d) => d.fd === 20 && d.target === file && !d.cloexec), 'the master holds it, inheritable')
  const [pid] = run.readyPids('w')
  const held = descriptorsOf(pid)
  assert.deepEqual(held.filter((d) => d.target === file), [], JSON.stringify(held))
  assert.deepEqual(held.filter((d) => d.fd > 3 && !d.cloexec), [], JSON.stringify(held))
  run.kill('SIGTERM')
  assert.equal((await run.waitForExit()).code, 0, run.text)
})

test("libpq's PG* settings reach a 'database' worker, not a 'net-raw' one; other secrets reach neither", async (t) => {
  const env = {...process.env, AWS_SECRET_ACCESS_KEY: 'aws', PGPASSWORD: 'pw', PGSERVICE: 'decnet', PGSSLMODE: 'verify-full', PG_UNRELATED: 'x'}
  const seen: Partial<Record<'database' | 'net-raw', Record<string, string>>> = {}
  for (const profile of ['database', 'net-raw'] as const) {
    const spec: HarnessSpec = {fleet: {name: 'env', profile, workers: [{module: 'report.js', name: 'r'}]}, options: {allowRoot: true}}
    const run = startHarness(spec, {env})
    t.after(() => run.cleanup())
    seen[profile] = (JSON.parse((await run.waitFor(/^r \| report (.*)$/)).match[1]) as {env: Record<string, string>}).env
    run.kill('SIGTERM')
    await run.waitForExit()
  }

  assert.deepEqual(
    Object.fromEntries(Object.entries(defined(seen.database, "the database worker's report")).filter(([name]) => name.startsWith('PG') || name.startsWith('AWS'))),
    {PGPASSWORD: 'pw', PGSERVICE: 'decnet', PGSSLMODE: 'verify-full'},
  )
  assert.deepEqual(Object.keys(defined(seen['net-raw'], "the net-raw worker's report")).filter((name) => name.startsWith('PG') || name.startsWith('AWS')), [])
})
