// What a worker holds of the master that started it: `decnet fleet` run from a pseudo-terminal
// (as an operator's root shell), its workers read through /proc/<worker>/status and /proc/<worker>/fd.
// Workers must hold no descriptor but /dev/null, their output pipes and their IPC channel, and
// (with util-linux setpriv) run with no_new_privs and a bounding set of their profile only.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test, type TestContext} from 'node:test'

import {findSetpriv} from '../../src/prefork/find-setpriv.js'
import {daemonSetup} from '../helpers/daemon.js'
import {linkedDataDir, REPO, RUN, runDecnet} from '../helpers/decnet-cli.js'
import {descriptorsOf, ptyUnavailable, startInPty, statusFields} from '../helpers/pty.js'

const NOBODY = 65534
const isRoot = process.getuid?.() === 0
const noPty = ptyUnavailable()
const setpriv = findSetpriv()
const CAP_NET_RAW = (1n << 13n).toString(16).padStart(16, '0')
const NO_CAPS = '0000000000000000'
const needs = (...why: Array<false | null | string | undefined>): string | undefined => why.find(Boolean) || undefined
const asRoot = needs(!isRoot && 'needs root (the workers drop to nobody)', noPty, !setpriv && 'util-linux setpriv is not installed')

/** Why uid nobody cannot run decnet from this checkout (e.g. a clone under /root), or null. */
function nobodyCannotRead() {
  const check = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(RUN)}, require('fs').constants.R_OK)`], {encoding: 'utf8', gid: NOBODY, uid: NOBODY})
  return check.status === 0 ? null : `uid ${NOBODY} cannot read this checkout (${REPO})`
}

/**
 * A root-only (0600) file, held open by the shell that starts decnet as fd 20 (`exec 20>>file`).
 * Not a lower number: node marks descriptors 3 to 16 close-on-exec as it starts (node 20), not the rest.
 */
function secretFile(t: TestContext): string {
  const dir = mkdtempSync('/tmp/decnet-isolation-')
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const file = join(dir, 'root-only.log')
  writeFileSync(file, '', {mode: 0o600})
  chmodSync(file, 0o600)
  return file
}

/** The pids of `[decnet] worker NAME ready (pid N)` lines. */
function readyPids(output: string): Map<string, number> {
  return new Map([...output.matchAll(/worker (\S+) ready \(pid (\d+)\)/g)].map(([, name, pid]) => [name, Number(pid)]))
}

/** Asserts that a worker holds /dev/null, its two output pipes and its IPC channel, and nothing else it inherited. */
function assertHoldsNothingInherited(pid: number, forbidden: readonly string[]): void {
  const descriptors = descriptorsOf(pid)
  const shown = JSON.stringify(descriptors)
  for (const {target} of descriptors) {
    assert.doesNotMatch(target, /^\/dev\/(pts\/|tty|console)/, `worker ${pid} holds a terminal: ${shown}`)
    for (const path of forbidden) assert.notEqual(target, path, `worker ${pid} holds ${path}: ${shown}`)
  }

  assert.equal(descriptors[0].target, '/dev/null', `stdin is /dev/null: ${shown}`)
  assert.match(descriptors[1].target, /^(socket|pipe):/, `stdout is a pipe to the master: ${shown}`)
  assert.match(descriptors[2].target, /^(socket|pipe):/, `stderr is a pipe to the master: ${shown}`)
  assert.match(descriptors.find((d) => d.fd === 3)?.target ?? '', /^socket:/, `fd 3 is the IPC channel: ${shown}`)
  // Everything else is the worker's own: node opens all it opens close-on-exec, so a descriptor
  // above 3 without that flag could only have come through exec.
  const inherited = descriptors.filter((d) => d.fd > 3 && !d.cloexec)
  assert.deepEqual(inherited, [], `inherited descriptors: ${shown}`)
}

test('decnet fleet --user nobody from a root terminal: workers hold neither the terminal nor a descriptor the shell left open; no_new_privs, no bounding set', {skip: asRoot}, async (t) => {
  const unreadable = nobodyCannotRead()
  if (unreadable) return t.skip(unreadable)
  const data = linkedDataDir(t, ['decnet-plugin-sample'])
  const secret = secretFile(t)
  const run = startInPty(t, `exec 20>>${secret}; exec ${process.execPath} ${RUN} fleet sample --user nobody`, {env: {...process.env, ...data.env, DEBUG: ''}})
  await run.waitFor(/fleet sample ready \(2 workers\)/)
  const pids = readyPids(run.output())
  assert.equal(pids.size, 2, run.output())
  const master = statusFields(pids.get('alpha')!).get('PPid')
  assert.match(String(descriptorsOf(Number(master)).find((d) => d.fd === 2)?.target), /^\/dev\/pts\//, 'the master does run on a terminal')
  assert.ok(descriptorsOf(Number(master)).some((d) => d.target === secret), 'the master did inherit the open file')
  for (const pid of pids.values()) {
    assertHoldsNothingInherited(pid, [secret])
    const status = statusFields(pid)
    assert.equal(status.get('Uid'), `${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`)
    assert.equal(status.get('NoNewPrivs'), '1', 'a setuid program cannot elevate it')
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) assert.equal(status.get(set), NO_CAPS, `${set} of a 'database' worker`)
  }

  process.kill(Number(master), 'SIGTERM')
  const {code} = await run.exited
  assert.equal(code, 0, run.output())
})

test("a 'net-raw' fleet dropped to nobody keeps CAP_NET_RAW, and only it, in every set (bounding set included)", {skip: asRoot}, async (t) => {
  const unreadable = nobodyCannotRead()
  if (unreadable) return t.skip(unreadable)
  const data = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-profiles'])
  const run = startInPty(t, `exec ${process.execPath} ${RUN} fleet sniffer --user nobody`, {env: {...process.env, ...data.env, DEBUG: ''}})
  await run.waitFor(/fleet sniffer ready \(1 worker\)/)
  const pid = readyPids(run.output()).get('sniff')
  assertHoldsNothingInherited(pid as number, [])
  const status = statusFields(pid!)
  assert.equal(status.get('Uid')!.split('\t')[0], String(NOBODY))
  assert.equal(status.get('NoNewPrivs'), '1')
  for (const set of ['CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) assert.equal(status.get(set), CAP_NET_RAW, `${set} of a 'net-raw' worker`)
  process.kill(Number(status.get('PPid')), 'SIGTERM')
  assert.equal((await run.exited).code, 0, run.output())
})

test("decnet fleet --daemon --user nobody from a root terminal: workers hold neither the terminal nor root's 0600 log", {skip: asRoot}, async (t) => {
  const unreadable = nobodyCannotRead()
  if (unreadable) return t.skip(unreadable)
  const fleet = daemonSetup(t, ['decnet-plugin-sample'])
  const run = startInPty(t, `exec ${process.execPath} ${RUN} fleet sample --daemon --user nobody`, {env: {...process.env, ...fleet.env, DEBUG: ''}})
  assert.equal((await run.exited).code, 0, run.output())
  const status = await fleet.status('sample')
  const log = fleet.logFile('sample')
  assert.ok(descriptorsOf(status.master.pid).some((d) => d.target === log), 'the daemon master writes its log')
  for (const worker of status.workers) {
    assertHoldsNothingInherited(worker.pid as number, [log])
    assert.equal(statusFields(worker.pid!).get('NoNewPrivs'), '1')
    assert.equal(statusFields(worker.pid!).get('CapBnd'), NO_CAPS)
  }

  const stop = await runDecnet(t, ['fleet', 'stop', 'sample'], {env: fleet.env})
  assert.equal(stop.code, 0, stop.stderr)
})

test('decnet fleet --allow-root from a root terminal: workers stay uid 0 but hold no capability, with no_new_privs and an empty bounding set', {skip: asRoot}, async (t) => {
  const data = linkedDataDir(t, ['decnet-plugin-sample'])
  const run = startInPty(t, `exec ${process.execPath} ${RUN} fleet sample --allow-root`, {env: {...process.env, ...data.env, DEBUG: ''}})
  await run.waitFor(/fleet sample ready \(2 workers\)/)
  const pids = readyPids(run.output())
  for (const pid of pids.values()) {
    assertHoldsNothingInherited(pid, [])
    const status = statusFields(pid)
    assert.equal(status.get('Uid'), '0\t0\t0\t0', 'still root, as --allow-root says')
    assert.equal(status.get('NoNewPrivs'), '1')
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) assert.equal(status.get(set), NO_CAPS, `${set}: the 'database' profile needs none`)
  }

  assert.match(run.output(), /worker alpha \(pid \d+\) runs as root \(uid 0, euid 0\); holds the root group \(gid 0\), more than the 'database' profile allows \(allowed: running with --allow-root\)/)
  process.kill(Number(statusFields(pids.get('alpha')!).get('PPid')), 'SIGTERM')
  assert.equal((await run.exited).code, 0, run.output())
})

test('an ordinary user on a terminal: workers hold no terminal and run with no_new_privs (the bounding set stays: only root can shrink it)', {skip: needs(noPty, !setpriv && 'util-linux setpriv is not installed')}, async (t) => {
  if (isRoot) {
    const unreadable = nobodyCannotRead()
    if (unreadable) return t.skip(unreadable)
  }

  const data = linkedDataDir(t, ['decnet-plugin-sample'])
  // As root, be the ordinary user: the whole command line (script, shell, decnet) runs as nobody.
  const as = isRoot ? {gid: NOBODY, uid: NOBODY} : {}
  const run = startInPty(t, `exec ${process.execPath} ${RUN} fleet sample`, {env: {...process.env, ...data.env, DEBUG: '', HOME: data.dir}, ...as})
  await run.waitFor(/fleet sample ready \(2 workers\)/)
  const pids = readyPids(run.output())
  const master = Number(statusFields(pids.get('alpha')!).get('PPid'))
  for (const pid of pids.values()) {
    assertHoldsNothingInherited(pid, [])
    const status = statusFields(pid)
    assert.equal(status.get('NoNewPrivs'), '1')
    assert.equal(status.get('CapEff'), NO_CAPS)
    assert.equal(status.get('CapBnd'), statusFields(master).get('CapBnd'), "the master's bounding set, unchanged")
  }

  process.kill(master, 'SIGTERM')
  assert.equal((await run.exited).code, 0, run.output())
})
