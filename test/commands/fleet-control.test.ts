// `decnet fleet status | stop | logs` against real running fleets (daemons and foreground), real
// signals and /proc. Runs as root (as CI does); the fleets' workers run as nobody.
import assert from 'node:assert/strict'
import {existsSync, rmSync} from 'node:fs'
import {describe, it, type TestContext} from 'node:test'

import {isAlive, runDecnet, startDecnet, unwrap} from '../helpers/decnet-cli.js'
import {daemonSetup, pollUntil, processesOf, readPid, type DaemonSetup} from '../helpers/daemon.js'
import {defined} from '../helpers/defined.js'

const EXIT = Object.freeze({ALREADY_RUNNING: 12, NOT_FOUND: 11, OK: 0, TIMEOUT: 13})
const PLUGINS = ['decnet-plugin-sample', 'decnet-plugin-daemon']
const asRoot = {skip: process.getuid?.() === 0 ? undefined : 'these tests run as root (the workers drop to nobody)'}

async function startDaemon(t: TestContext, fleet: DaemonSetup, name = 'sample', extra: string[] = []): Promise<number> {
  const run = await runDecnet(t, ['fleet', name, '--daemon', '--user', 'nobody', ...extra], {env: fleet.env})
  assert.equal(run.code, EXIT.OK, run.stderr)
  return readPid(fleet.pidFile(name))
}

describe('decnet fleet status', asRoot, () => {
  it('shows pids, states, restarts, last exit, next restart and memory; a SIGKILLed worker backs off and restarts', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const master = await startDaemon(t, fleet)
    const before = await fleet.status('sample')
    const alpha = defined(before.workers.find((w) => w.name === 'alpha'), 'worker alpha')
    process.kill(defined(alpha.pid, 'alpha\'s pid'), 'SIGKILL')
    // The restart comes after a backoff of about a second: catch it backing off, then running again.
    const backingOff = await pollUntil(async () => (await fleet.status('sample')).workers.find((w) => w.name === 'alpha' && w.state === 'backing-off'), {what: 'alpha backing off'})
    assert.equal(backingOff.pid, null)
    const nextRestartInMs = defined(backingOff.nextRestartInMs, 'nextRestartInMs')
    assert.ok(Date.parse(defined(backingOff.nextRestartAt, 'nextRestartAt')) > Date.parse(defined(backingOff.lastExit, 'lastExit').at), JSON.stringify(backingOff))
    assert.ok(nextRestartInMs > 0 && nextRestartInMs <= 1000, JSON.stringify(backingOff))
    await pollUntil(async () => (await fleet.status('sample')).ready, {what: 'the fleet ready again'})

    const {code, stdout, stderr} = await runDecnet(t, ['fleet', 'status', 'sample', '--json'], {env: fleet.env})
    assert.equal(code, EXIT.OK, stderr)
    const status = JSON.parse(stdout)
    assert.equal(status.fleet, 'sample')
    assert.equal(status.master.pid, master)
    assert.ok(status.master.uptimeMs > 0 && status.master.memory.rssBytes > 0)
    const [restarted, untouched] = status.workers
    assert.equal(restarted.name, 'alpha')
    assert.equal(restarted.state, 'ready')
    assert.equal(restarted.restarts, 1)
    assert.notEqual(restarted.pid, alpha.pid)
    assert.ok(isAlive(restarted.pid))
    assert.deepEqual(
      [restarted.lastExit.pid, restarted.lastExit.signal, restarted.lastExit.code, restarted.lastExit.cause],
      [alpha.pid, 'SIGKILL', null, 'signaled'],
    )
    assert.equal(restarted.nextRestartAt, null)
    assert.deepEqual([untouched.name, untouched.state, untouched.restarts, untouched.lastExit], ['beta', 'ready', 0, null])
    for (const worker of status.workers) {
      assert.ok(worker.memory.rssBytes > 0 && worker.memory.ussBytes > 0, JSON.stringify(worker.memory))
      assert.ok(worker.memory.ussBytes < worker.memory.rssBytes)
    }

    const human = await runDecnet(t, ['fleet', 'status'], {env: fleet.env})
    assert.equal(human.code, EXIT.OK, human.stderr)
    assert.match(human.stdout, new RegExp(`^fleet sample: ready · master pid ${master} · up .* · rss [\\d.]+ MiB · uss [\\d.]+ MiB$`, 'm'))
    assert.match(human.stdout, /^ {2}WORKER +STATE +PID +UPTIME +RESTARTS +LAST EXIT +NEXT RESTART +RSS +USS +DETAIL$/m)
    assert.match(human.stdout, new RegExp(`^ {2}alpha +ready +${restarted.pid} +\\S+ \\S+ +1 +SIGKILL \\(killed, not by decnet\\) .* ago +- +[\\d.]+ MiB +[\\d.]+ MiB +-$`, 'm'))
  })

  it('fails clearly (exit 11) for a fleet that is not running; with no NAME and nothing running, says so', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const one = await runDecnet(t, ['fleet', 'status', 'sample'], {env: fleet.env})
    assert.equal(one.code, EXIT.NOT_FOUND)
    assert.ok(unwrap(one.stderr).includes(`fleet 'sample' is not running (no control socket at ${fleet.socket('sample')})`), one.stderr)
    const json = await runDecnet(t, ['fleet', 'status', 'sample', '--json'], {env: fleet.env})
    assert.equal(json.code, EXIT.NOT_FOUND)
    assert.equal(JSON.parse(json.stdout).error.message, `fleet 'sample' is not running (no control socket at ${fleet.socket('sample')})`)
    const all = await runDecnet(t, ['fleet', 'status', '--json'], {env: fleet.env})
    assert.equal(all.code, EXIT.OK, all.stderr)
    assert.deepEqual(JSON.parse(all.stdout), [])
  })

  it('lists every running fleet, foreground ones too', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    await startDaemon(t, fleet)
    const foreground = startDecnet(t, ['fleet', 'stubborn', '--user', 'nobody'], {env: fleet.env})
    await foreground.waitFor(/fleet stubborn ready/)
    const {code, stdout, stderr} = await runDecnet(t, ['fleet', 'status', '--json'], {env: fleet.env})
    assert.equal(code, EXIT.OK, stderr)
    const fleets = JSON.parse(stdout)
    assert.deepEqual(fleets.map((f: {fleet: string; ready: boolean; workers: unknown[]}) => [f.fleet, f.ready, f.workers.length]), [['sample', true, 2], ['stubborn', true, 2]])
    assert.equal(fleets[1].master.pid, foreground.child.pid)
  })
})

describe('decnet fleet stop', asRoot, () => {
  it('stops a daemon gracefully: exit 0, says how it ended, no process, socket or pid file left', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const master = await startDaemon(t, fleet)
    const pids = [master, ...(await fleet.status('sample')).workers.map((w) => defined(w.pid, `${w.name}'s pid`))]
    const {code, stdout, stderr} = await runDecnet(t, ['fleet', 'stop', 'sample'], {env: fleet.env})
    assert.equal(code, EXIT.OK, stderr)
    assert.equal(stdout.trim(), `fleet sample (pid ${master}) stopped cleanly: stop requested over the control socket`)
    for (const pid of pids) assert.ok(!isAlive(pid), `pid ${pid} is gone`)
    assert.deepEqual(processesOf(fleet.dir), [])
    assert.ok(!existsSync(fleet.socket('sample')), 'socket removed')
    assert.ok(!existsSync(fleet.pidFile('sample')), 'pid file removed')
    const again = await runDecnet(t, ['fleet', 'stop', 'sample', '--json'], {env: fleet.env})
    assert.equal(again.code, EXIT.NOT_FOUND)
    assert.match(JSON.parse(again.stdout).error.message, /fleet 'sample' is not running \(no control socket at .*\); no pid file at /)
    const plain = await runDecnet(t, ['fleet', 'stop', 'sample'], {env: fleet.env})
    assert.equal(plain.code, EXIT.NOT_FOUND)
    assert.match(unwrap(plain.stderr), /fleet 'sample' is not running \(no control socket at .*\); no pid file at /)
  })

  it('exits 13 when --timeout passes; a second stop kills the stubborn worker at once and names it', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const master = await startDaemon(t, fleet, 'stubborn', ['--grace', '60'])
    const first = await runDecnet(t, ['fleet', 'stop', 'stubborn', '--timeout', '0.5'], {env: fleet.env})
    assert.equal(first.code, EXIT.TIMEOUT, first.stderr)
    assert.match(unwrap(first.stderr), new RegExp(`fleet 'stubborn' \\(pid ${master}\\) did not stop within 0.5 s; it is still running`))
    assert.ok(isAlive(master))
    const stopping = await fleet.status('stubborn')
    assert.deepEqual([stopping.stopping, stopping.workers.find((w) => w.name === 'mule')?.state], [true, 'stopping'])
    const second = await runDecnet(t, ['fleet', 'stop', 'stubborn'], {env: fleet.env})
    assert.equal(second.code, EXIT.OK, second.stderr)
    assert.match(second.stdout, new RegExp(`^fleet stubborn \\(pid ${master}\\) stopped: .*; had to kill \\(SIGKILL\\): mule$`, 'm'))
    assert.deepEqual(processesOf(fleet.dir), [])
  })

  it('does not claim a clean stop when the master dies before saying how the fleet ended', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const master = await startDaemon(t, fleet, 'stubborn', ['--grace', '60'])
    const stop = startDecnet(t, ['fleet', 'stop', 'stubborn'], {env: fleet.env})
    await pollUntil(async () => (await fleet.status('stubborn')).stopping, {what: 'the fleet stopping'})
    process.kill(master, 'SIGKILL')
    assert.deepEqual(await stop.exited, {code: EXIT.OK, signal: null}, stop.output())
    assert.equal(stop.stdout().trim(), `fleet stubborn (pid ${master}) stopped (its master did not say how the fleet ended: see decnet fleet logs stubborn)`)
    // Its workers notice their master is gone and exit on their own.
    await pollUntil(() => processesOf(fleet.dir).length === 0, {what: 'the orphaned workers to exit'})
  })

  it('falls back to SIGTERM to the pid file\'s pid when the socket is gone', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const master = await startDaemon(t, fleet)
    rmSync(fleet.socket('sample'))
    const {code, stdout, stderr} = await runDecnet(t, ['fleet', 'stop', 'sample'], {env: fleet.env})
    assert.equal(code, EXIT.OK, stderr)
    assert.equal(stdout.trim(), `fleet sample (pid ${master}) stopped cleanly (SIGTERM to pid ${master}: no control socket answered): SIGTERM`)
    assert.deepEqual(processesOf(fleet.dir), [])
  })

  it('stops a foreground fleet too, which exits 0; --daemon is refused while it runs', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const foreground = startDecnet(t, ['fleet', 'sample', '--user', 'nobody'], {env: fleet.env})
    await foreground.waitFor(/fleet sample ready/)
    const daemon = await runDecnet(t, ['fleet', 'sample', '--daemon', '--user', 'nobody'], {env: fleet.env})
    assert.equal(daemon.code, EXIT.ALREADY_RUNNING, daemon.stderr)
    assert.match(unwrap(daemon.stderr), new RegExp(`fleet 'sample' is already running \\(pid ${foreground.child.pid}\\)`))
    const second = await runDecnet(t, ['fleet', 'sample', '--once', '--user', 'nobody'], {env: fleet.env})
    assert.equal(second.code, EXIT.OK, second.stderr)
    assert.match(unwrap(second.stderr), /fleet 'sample' is already running: its master \(pid \d+\) answers on .*; running without a control socket/)
    const stop = await runDecnet(t, ['fleet', 'stop', 'sample'], {env: fleet.env})
    assert.equal(stop.code, EXIT.OK, stop.stderr)
    assert.deepEqual(await foreground.exited, {code: 0, signal: null})
    assert.match(foreground.stdout(), /\[decnet\] fleet sample stopped: stop requested over the control socket/)
  })
})

describe('decnet fleet logs', asRoot, () => {
  it('prints the log; --worker keeps one worker\'s lines; --lines the last N; --follow tails until SIGINT', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    await startDaemon(t, fleet)
    const all = await runDecnet(t, ['fleet', 'logs', 'sample'], {env: fleet.env})
    assert.equal(all.code, EXIT.OK, all.stderr)
    assert.match(all.stdout, /^alpha \| idle worker alpha/m)
    assert.match(all.stdout, /^beta \| idle worker beta/m)
    const alpha = await runDecnet(t, ['fleet', 'logs', 'sample', '--worker', 'alpha'], {env: fleet.env})
    const lines = alpha.stdout.trimEnd().split('\n')
    assert.ok(lines.length >= 2, alpha.stdout)
    for (const line of lines) assert.match(line, /^(alpha \| |\[decnet\] worker alpha )/)
    assert.ok(lines.includes('alpha | idle worker alpha of fleet sample is up (interval unset)'), alpha.stdout)
    const last = await runDecnet(t, ['fleet', 'logs', 'sample', '-w', 'alpha', '--lines', '1'], {env: fleet.env})
    assert.deepEqual(last.stdout.trimEnd().split('\n'), lines.slice(-1))

    const follow = startDecnet(t, ['fleet', 'logs', 'sample', '--follow', '--worker', 'beta'], {env: fleet.env})
    await follow.waitFor(/^beta \| idle worker beta/m)
    const betaPid = defined((await fleet.status('sample')).workers.find((w) => w.name === 'beta')?.pid, 'beta\'s pid')
    process.kill(betaPid, 'SIGKILL')
    await follow.waitFor(new RegExp(`^\\[decnet\\] worker beta \\(pid ${betaPid}\\) killed by SIGKILL`, 'm'))
    await follow.waitFor(/^\[decnet\] worker beta ready \(pid \d+\)$/m)
    assert.doesNotMatch(follow.stdout(), /alpha/)
    follow.child.kill('SIGINT')
    assert.deepEqual(await follow.exited, {code: 0, signal: null})
  })

  it('fails clearly (exit 11) when the fleet never ran as a daemon', async (t) => {
    const fleet = daemonSetup(t, PLUGINS)
    const {code, stderr} = await runDecnet(t, ['fleet', 'logs', 'sample'], {env: fleet.env})
    assert.equal(code, EXIT.NOT_FOUND)
    assert.ok(unwrap(stderr).includes(`no log for fleet 'sample' at ${fleet.logFile('sample')}`), stderr)
  })
})
