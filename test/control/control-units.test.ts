// The control side's pieces in-process: paths, protocol, status assembly, memory parsing, pid
// files and the control server (a real Unix socket in a temp dir). The CLI is tested in
// test/commands/fleet-daemon.test and fleet-control.test.
import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createConnection} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {ControlConnection, ControlError, requestStatus} from '../../src/control/control-client.js'
import {ControlServer, SocketInUseError} from '../../src/control/control-server.js'
import {fleetOfSocket, fleetPaths, runtimeDirectory} from '../../src/control/fleet-paths.js'
import {formatDuration} from '../../src/control/format-status.js'
import {AlreadyRunningError, claimPidFile, inspectPidFile, releasePidFile} from '../../src/control/pid-file.js'
import {parseSmapsRollup} from '../../src/control/process-memory.js'
import {parseRequest} from '../../src/control/protocol.js'
import type {ChildHandle} from '../../src/prefork/child-handle.js'
import {type FleetStatus, fleetStatus} from '../../src/prefork/fleet-status.js'
import type {Slot} from '../../src/prefork/slot.js'
import type {WorkerExit} from '../../src/prefork/worker-exit.js'
import {ManualClock} from '../helpers/manual-clock.js'
import {childHandle, slotOf} from '../helpers/slots.js'

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-control-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

/** A child process whose command line looks like `decnet fleet NAME` (or not), killed after the test. */
async function fakeProcess(t: TestContext, args: readonly string[]): Promise<ChildProcess & {pid: number}> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.send("up")', ...args], {stdio: ['ignore', 'ignore', 'ignore', 'ipc']})
  t.after(() => child.kill('SIGKILL'))
  await new Promise((resolve) => child.once('message', resolve))
  if (child.pid === undefined) throw new Error('the fake process did not start')
  return child as ChildProcess & {pid: number}
}

/** Raw lines from a socket after sending `text`, until it closes or `count` lines came. */
function exchange(path: string, text: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path)
    let data = ''
    const done = () => {
      socket.destroy()
      resolve(data.split('\n').filter(Boolean))
    }

    socket.on('error', reject)
    socket.on('data', (chunk) => {
      data += chunk.toString()
      if (data.split('\n').filter(Boolean).length >= count) done()
    })
    socket.on('close', done)
    socket.write(text)
  })
}

const fakeStatus = (pid = process.pid): FleetStatus => ({fleet: 'demo', graceMs: 1500, master: {pid, startedAt: new Date().toISOString(), uptimeMs: 1}, profile: 'database', ready: true, stopping: false, workers: []})

describe('paths', () => {
  it('picks the runtime directory: override, root, XDG, data dir', () => {
    const dataDir = '/home/u/.local/share/decnet'
    assert.equal(runtimeDirectory({dataDir, env: {DECNET_RUNTIME_DIR: '/x', XDG_RUNTIME_DIR: '/run/user/1'}, uid: 0}), '/x')
    assert.equal(runtimeDirectory({dataDir, env: {XDG_RUNTIME_DIR: '/run/user/1'}, uid: 0}), '/run/decnet')
    assert.equal(runtimeDirectory({dataDir, env: {XDG_RUNTIME_DIR: '/run/user/1'}, uid: 1}), '/run/user/1/decnet')
    assert.equal(runtimeDirectory({dataDir, env: {}, uid: 1}), `${dataDir}/run`)
    assert.deepEqual(fleetPaths('heavy', {dataDir, env: {}, uid: 0}), {
      fleet: 'heavy',
      logFile: `${dataDir}/logs/heavy.log`,
      pidFile: '/run/decnet/heavy.pid',
      runtimeDir: '/run/decnet',
      socket: '/run/decnet/heavy.sock',
    })
    assert.equal(fleetOfSocket('heavy.sock'), 'heavy')
    assert.equal(fleetOfSocket('heavy.pid'), undefined)
    assert.equal(fleetOfSocket('.sock'), undefined)
  })
})

describe('protocol and parsing', () => {
  it('reads requests and refuses anything else with a short reason', () => {
    assert.deepEqual(parseRequest('{"op":"status"}'), {op: 'status'})
    assert.deepEqual(parseRequest('{"op":"stop","extra":1}'), {op: 'stop'})
    assert.deepEqual(parseRequest('{"op":"reload"}'), {op: 'reload'})
    assert.throws(() => parseRequest('status'), /^Error: request is not JSON$/)
    assert.throws(() => parseRequest('{"op":"reboot"}'), /unknown op "reboot"; expected "status", "stop" or "reload"/)
    assert.throws(() => parseRequest('null'), /unknown op undefined/)
  })

  it('parses smaps_rollup: RSS, PSS and USS (private clean + dirty)', () => {
    const text = 'Rss:               12000 kB\nPss:                8000 kB\nPrivate_Clean:      1000 kB\nPrivate_Dirty:      5000 kB\n'
    assert.deepEqual(parseSmapsRollup(text), {pssBytes: 8000 * 1024, rssBytes: 12_000 * 1024, ussBytes: 6000 * 1024})
    assert.equal(parseSmapsRollup('Rss: 1 kB\n'), undefined)
  })

  it('formats durations the way an operator reads them', () => {
    assert.deepEqual([850, 12_345, 245_000, 11_220_000, 190_800_000].map(formatDuration), ['850 ms', '12.3 s', '4m 05s', '3h 07m', '2d 05h'])
  })
})

describe('fleetStatus', () => {
  it('derives each worker state from its slot', () => {
    const now = Date.now()
    const perfNow = performance.now()
    const child = (fields: Partial<ChildHandle>): ChildHandle => childHandle({startedAt: perfNow - 5000, ...fields})
    const exit: WorkerExit = {bootError: undefined, cause: 'crashed', code: 1, forciblyKilled: false, hung: false, pid: 9, requested: false, signal: null, uptimeMs: 42, worker: 'e'}
    const slot = (name: string, fields: Partial<Slot>): Slot => slotOf({name}, fields)
    const slots = [
      slot('a', {child: child({})}),
      slot('b', {child: child({ready: true, statusText: 'standby (held by host-b:4242)'})}),
      slot('c', {child: child({killCause: 'hung', ready: true})}),
      slot('d', {child: child({asked: true, ready: true})}),
      slot('e', {lastExit: exit, lastExitAt: now - 100, restartAt: now + 900, restartTimer: new ManualClock().setTimeout(() => {}, 900), restarts: 2}),
      slot('f', {lastExit: exit, lastExitAt: now - 100}),
    ]
    const status = fleetStatus({fleet: {name: 'x', profile: 'database'}, graceMs: 5, slots, startedAt: now - 60_000, stopping: false}, now, perfNow)
    assert.deepEqual(status.workers.map((w) => [w.name, w.state]), [
      ['a', 'starting'],
      ['b', 'ready'],
      ['c', 'hung'],
      ['d', 'stopping'],
      ['e', 'backing-off'],
      ['f', 'stopped'],
    ])
    assert.equal(status.ready, false)
    assert.deepEqual([status.master.pid, status.master.uptimeMs], [process.pid, 60_000])
    const [a, b, , , e, f] = status.workers
    assert.deepEqual([a.detail, b.detail, e.detail], [null, 'standby (held by host-b:4242)', null])
    assert.deepEqual([a.pid, a.uptimeMs, a.startedAt], [10, 5000, new Date(now - 5000).toISOString()])
    assert.deepEqual([e.pid, e.restarts, e.nextRestartInMs, e.nextRestartAt], [null, 2, 900, new Date(now + 900).toISOString()])
    assert.deepEqual(e.lastExit, {at: new Date(now - 100).toISOString(), cause: 'crashed', code: 1, pid: 9, signal: null, uptimeMs: 42})
    assert.equal(f.nextRestartAt, null)
    const stopping = fleetStatus({fleet: {name: 'x', profile: 'database'}, graceMs: 5, slots: [slots[1]], startedAt: now, stopping: true}, now, perfNow)
    assert.deepEqual([stopping.stopping, stopping.workers[0].state], [true, 'stopping'])
  })
})

describe('ControlServer', () => {
  it('answers status, refuses bad requests, and tells a waiting stop how the fleet ended', async (t) => {
    const target = {fleet: 'demo', socket: join(tempDir(t), 'run', 'demo.sock')}
    let stops = 0
    const server = await ControlServer.listen(target, {status: async () => fakeStatus(), stop: () => ({graceMs: 1500, stops: ++stops}), reload: () => ({workers: ['ttp']})})
    t.after(() => server.close())
    assert.equal(statSync(target.socket).mode & 0o777, 0o600)
    assert.equal(statSync(join(target.socket, '..')).mode & 0o777, 0o700)
    assert.equal((await requestStatus(target)).fleet, 'demo')
    assert.deepEqual(await exchange(target.socket, 'nope\n{"op":"reboot"}\n', 2), [
      '{"error":"request is not JSON","ok":false}',
      '{"error":"unknown op \\"reboot\\"; expected \\"status\\", \\"stop\\" or \\"reload\\"","ok":false}',
    ])
    assert.deepEqual(await exchange(target.socket, '{"op":"reload"}\n', 1), [`{"ok":true,"op":"reload","pid":${process.pid},"workers":["ttp"]}`])
    assert.deepEqual(await exchange(target.socket, 'x'.repeat(70 * 1024), 1), ['{"error":"request line too long","ok":false}'])

    const waiting = await ControlConnection.open(target)
    waiting.send({op: 'stop'})
    assert.deepEqual(await waiting.next(), {graceMs: 1500, ok: true, op: 'stop', pid: process.pid})
    assert.equal(stops, 1)
    await server.close({code: 5, killed: ['mule'], reason: 'stop requested; had to SIGKILL: mule'})
    assert.deepEqual(await waiting.next(), {ok: true, op: 'stopped', outcome: {code: 5, killed: ['mule'], reason: 'stop requested; had to SIGKILL: mule'}})
    await waiting.closed
    assert.ok(!existsSync(target.socket), 'closing removes the socket')
    await assert.rejects(requestStatus(target), (error) => error instanceof ControlError && error.kind === 'absent')
  })

  it('refuses a socket a live master answers on, and replaces a stale one', async (t) => {
    const target = {fleet: 'demo', socket: join(tempDir(t), 'demo.sock')}
    const first = await ControlServer.listen(target, {status: async () => fakeStatus(4242), stop: () => ({graceMs: 1}), reload: () => ({workers: []})})
    await assert.rejects(ControlServer.listen(target, {status: async () => fakeStatus(), stop: () => ({graceMs: 1}), reload: () => ({workers: []})}), (error) => {
      assert.ok(error instanceof SocketInUseError)
      assert.equal(error.pid, 4242)
      assert.match(error.message, /fleet 'demo' is already running: its master \(pid 4242\) answers on /)
      return true
    })
    await first.close()

    // A socket file left by a process that died without closing it.
    const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(target.socket)}, () => process.send('up'))`], {stdio: ['ignore', 'ignore', 'ignore', 'ipc']})
    await new Promise((resolve) => holder.once('message', resolve))
    holder.kill('SIGKILL')
    await new Promise((resolve) => holder.once('exit', resolve))
    assert.ok(statSync(target.socket).isSocket())
    await assert.rejects(requestStatus(target), (error) => error instanceof ControlError && error.kind === 'stale' && error.notRunning)
    const second = await ControlServer.listen(target, {status: async () => fakeStatus(777), stop: () => ({graceMs: 1}), reload: () => ({workers: []})})
    t.after(() => second.close())
    assert.equal((await requestStatus(target)).master.pid, 777)
  })
})

describe('pid files', () => {
  it('claims atomically, refuses a live fleet master, replaces a stale file, releases only its own pid', async (t) => {
    const file = join(tempDir(t), 'demo.pid')
    assert.deepEqual(inspectPidFile(file, 'demo'), {state: 'absent'})
    const master = await fakeProcess(t, ['/opt/decnet/bin/run.js', 'fleet', 'demo', '--daemon-child'])
    assert.equal(claimPidFile(file, 'demo', master.pid), undefined)
    assert.deepEqual(inspectPidFile(file, 'demo'), {pid: master.pid, state: 'running'})
    assert.throws(() => claimPidFile(file, 'demo', 1), (error) => error instanceof AlreadyRunningError && error.pid === master.pid)
    assert.deepEqual(inspectPidFile(file, 'other'), {state: 'stale', why: `process ${master.pid} is not a decnet fleet other`})

    const impostor = await fakeProcess(t, ['fleet', 'demo'])
    writeFileSync(file, `${impostor.pid}\n`)
    assert.equal(claimPidFile(file, 'demo', 99), `process ${impostor.pid} is not a decnet fleet demo`)
    releasePidFile(file, 98)
    assert.ok(existsSync(file), 'another pid is left alone')
    releasePidFile(file, 99)
    assert.ok(!existsSync(file))
    writeFileSync(file, 'garbage')
    assert.deepEqual(inspectPidFile(file, 'demo'), {state: 'stale', why: 'it holds no pid ("garbage")'})
  })
})
