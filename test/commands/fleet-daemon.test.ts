// `decnet fleet NAME --daemon`: real detached processes, pid files, sockets and /proc.
// Runs as root (as CI does); the fleets' workers run as nobody.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {describe, it, type TestContext} from 'node:test'

import {isAlive, runDecnet, unwrap} from '../helpers/decnet-cli.js'
import {cmdline, daemonSetup, processesOf, procStat, readPid} from '../helpers/daemon.js'

const EXIT = Object.freeze({ALREADY_RUNNING: 12, OK: 0, PRIVILEGE_REFUSED: 3, TIMEOUT: 13, WORKER_BOOT_FAILED: 4})
const PLUGINS = ['decnet-plugin-sample', 'decnet-plugin-daemon']
const asRoot = {skip: process.getuid?.() === 0 ? undefined : 'these tests run as root (the workers drop to nobody)'}

/** Starts `fleet --daemon --user nobody` and checks that it says it is running. */
async function startDaemon(t: TestContext, fleet: ReturnType<typeof daemonSetup>, name = 'sample', extra: string[] = []) {
  const run = await runDecnet(t, ['fleet', name, '--daemon', '--user', 'nobody', ...extra], {env: fleet.env})
  assert.equal(run.code, EXIT.OK, run.stderr)
  assert.match(run.stdout, new RegExp(`fleet ${name} is running in the background \\(pid (\\d+)\\); every worker is ready`))
  return run
}

/** The pid of a process that has exited. */
async function deadPid() {
  const child = spawn(process.execPath, ['-e', ''], {stdio: 'ignore'})
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid
}

describe('decnet fleet NAME --daemon', asRoot, () => {
  it('returns once every worker is ready; its master has its own session and no controlling terminal', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const run = await startDaemon(t, fleet)
    for (const path of [fleet.pidFile('sample'), fleet.socket('sample'), fleet.logFile('sample')]) {
      assert.ok(run.stdout.includes(path), `the output names ${path}:\n${run.stdout}`)
    }

    const pid = readPid(fleet.pidFile('sample'))
    assert.equal(run.stdout.match(/\(pid (\d+)\)/)?.[1], String(pid))
    assert.ok(isAlive(pid), 'the pid file names a live process')
    const stat = procStat(pid)
    assert.ok(stat, 'its /proc stat is readable')
    assert.equal(stat.ttyNr, 0, 'no controlling terminal')
    assert.equal(stat.session, pid, 'it leads its own session')
    assert.equal(stat.pgrp, pid, 'and its own process group')
    const args = cmdline(pid)
    assert.deepEqual(args.slice(-5), ['fleet', 'sample', '--user', 'nobody', '--daemon-child'], args.join(' '))

    // Ready when the launcher returned: no waiting here.
    const status = await fleet.status('sample')
    assert.equal(status.master.pid, pid)
    assert.deepEqual(status.workers.map((w) => [w.name, w.state]), [['alpha', 'ready'], ['beta', 'ready']])
    const log = readFileSync(fleet.logFile('sample'), 'utf8')
    assert.match(log, /^\[decnet\] \S+ starting fleet sample as a daemon: fleet sample --user nobody$/m)
    assert.match(log, /^\[decnet\] fleet sample ready \(2 workers\)$/m)
    assert.match(log, /^alpha \| idle worker alpha of fleet sample is up/m)
  })

  it('keeps its socket (0600) and pid file in a 0700 runtime directory, and its log 0600', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    await startDaemon(t, fleet)
    const socket = statSync(fleet.socket('sample'))
    assert.ok(socket.isSocket())
    assert.equal(socket.mode & 0o777, 0o600)
    assert.equal(statSync(fleet.runtimeDir).mode & 0o777, 0o700)
    assert.equal(statSync(fleet.logFile('sample')).mode & 0o777, 0o600)
  })

  it('refuses a second --daemon of the same fleet with its own exit code, naming the running pid', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    await startDaemon(t, fleet)
    const pid = readPid(fleet.pidFile('sample'))
    const second = await runDecnet(t, ['fleet', 'sample', '-d', '--user', 'nobody'], {env: fleet.env})
    assert.equal(second.code, EXIT.ALREADY_RUNNING, second.stderr)
    assert.match(unwrap(second.stderr), new RegExp(`fleet 'sample' is already running \\(pid ${pid}\\).*decnet fleet stop sample`))
    assert.equal(readPid(fleet.pidFile('sample')), pid, 'the pid file is untouched')
    assert.ok(isAlive(pid))
    assert.equal((await fleet.status('sample')).master.pid, pid)
  })

  it('replaces a stale pid file: its process is gone, or is not a decnet fleet', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    mkdirSync(fleet.runtimeDir, {mode: 0o700})
    const gone = await deadPid()
    writeFileSync(fleet.pidFile('sample'), `${gone}\n`)
    const first = await startDaemon(t, fleet)
    assert.match(unwrap(first.stderr), new RegExp(`replaced a stale pid file \\(process ${gone} is gone\\)`))
    const stop = await runDecnet(t, ['fleet', 'stop', 'sample'], {env: fleet.env})
    assert.equal(stop.code, EXIT.OK, stop.stderr)

    // This test's own process is alive, but it is no decnet fleet.
    writeFileSync(fleet.pidFile('sample'), `${process.pid}\n`)
    const second = await startDaemon(t, fleet)
    assert.match(unwrap(second.stderr), new RegExp(`replaced a stale pid file \\(process ${process.pid} is not a decnet fleet sample\\)`))
    const pid = readPid(fleet.pidFile('sample'))
    assert.notEqual(pid, process.pid)
    assert.equal((await fleet.status('sample')).master.pid, pid)
  })

  it('replaces a stale control socket (its master was SIGKILLed)', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    await startDaemon(t, fleet)
    const old = readPid(fleet.pidFile('sample'))
    for (const pid of processesOf(fleet.dir)) process.kill(pid, 'SIGKILL')
    const status = await runDecnet(t, ['fleet', 'status', 'sample'], {env: fleet.env})
    assert.equal(status.code, 11, status.stderr)
    assert.match(unwrap(status.stderr), /fleet 'sample' is not running \(stale control socket at .*sample\.sock: nothing listens on it\)/)
    await startDaemon(t, fleet)
    const pid = readPid(fleet.pidFile('sample'))
    assert.notEqual(pid, old)
    assert.equal((await fleet.status('sample')).master.pid, pid)
  })

  it('exits with the fleet\'s code and the end of its log when a worker cannot boot; nothing is left behind', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const run = await runDecnet(t, ['fleet', 'unbootable', '--daemon', '--user', 'nobody'], {env: fleet.env})
    assert.equal(run.code, EXIT.WORKER_BOOT_FAILED, run.stderr)
    const stderr = unwrap(run.stderr)
    assert.match(stderr, /fleet 'unbootable' failed to start: its master exited with code 4; its log says:/)
    assert.match(stderr, /worker broken \(pid \d+\) could not boot: .*not-a-function\.js.*not a function/)
    assert.doesNotMatch(run.stdout, /running in the background/)
    assert.ok(!existsSync(fleet.pidFile('unbootable')), 'no pid file left')
    assert.ok(!existsSync(fleet.socket('unbootable')), 'no socket left')
    assert.deepEqual(processesOf(fleet.dir), [], 'no process left')
  })

  it('reports a refusal before anything started (a database fleet as root) with its exit code', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const run = await runDecnet(t, ['fleet', 'sample', '--daemon'], {env: fleet.env})
    assert.equal(run.code, EXIT.PRIVILEGE_REFUSED, run.stderr)
    assert.match(unwrap(run.stderr), /failed to start: its master exited with code 3; its log says:.*refusing to run fleet 'sample' as root/s)
    assert.ok(!existsSync(fleet.pidFile('sample')))
    assert.deepEqual(processesOf(fleet.dir), [])
  })

  it('stops a fleet that is not ready within --ready-timeout and says which workers were not', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const run = await runDecnet(t, ['fleet', 'sluggish', '--daemon', '--user', 'nobody', '--ready-timeout', '5'], {env: fleet.env})
    assert.equal(run.code, EXIT.TIMEOUT, run.stderr)
    // (5 s: long enough for the daemon to be up and its worker to have started, even on a busy machine.)
    assert.match(unwrap(run.stderr), /fleet 'sluggish' was not ready within 5 s \(slow: starting\); stopped it/)
    assert.match(unwrap(run.stderr), /slow \| warming up forever.*\[decnet\] fleet sluggish stopped: SIGTERM/s)
    assert.ok(!existsSync(fleet.pidFile('sluggish')))
    assert.deepEqual(processesOf(fleet.dir), [])
  })

  it('refuses --daemon with --once', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const run = await runDecnet(t, ['fleet', 'sample', '--daemon', '--once', '--user', 'nobody'], {env: fleet.env})
    assert.equal(run.code, 2, run.stderr)
    assert.match(unwrap(run.stderr), /--once=true cannot also be provided when using --daemon|cannot also be provided/)
  })
})
