/**
 * Issue 18 §3: the `collect` fleets. The real CLI runs `decnet fleet collect`
 * with its settings in the data directory's collect.json: lines appended to a
 * followed file and sent over TCP (octet counting, loopback) reach the SQLite
 * database; `decnet fleet status collect --json` reports each source; the
 * follower and the receiver are SIGKILLed and the master SIGTERMed and
 * started again, and every line is stored exactly once. As root, the
 * `collect-bind` fleet's receiver (profile net-bind, dropped to nobody)
 * holds CAP_NET_BIND_SERVICE and nothing else, and stores what a low port
 * receives. Run as root, `collect` itself runs as nobody: an ordinary user's
 * run.
 */
import assert from 'node:assert/strict'
import {appendFileSync, chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'
import {connect as tlsConnect} from 'node:tls'

import {requestStatus} from '../../dist/control/control-client.js'
import type {FleetStatus, WorkerStatus} from '../../src/prefork/fleet-status.js'
import {defined} from '../helpers/defined.js'
import {linkedDataDir, runDecnet, startDecnet, unwrap, type DecnetRun} from '../helpers/decnet-cli.js'
import {countStored, type StoredCounts} from '../helpers/ingest-run.js'
import {numberedLine, numberedLines, storedCounts} from '../helpers/numbered-lines.js'
import {makeCertificates, opensslMissing} from '../helpers/test-certificates.js'

const isRoot = process.getuid?.() === 0
const NOBODY = 65534
const DEADLINE_MS = 30_000

/** Waits until `check` returns a value (polling what a process wrote, since nothing else tells); fails after the deadline. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = DEADLINE_MS): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }

    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Sends `lines` over one TCP connection with octet counting, and closes it. */
function sendTcp(port: number, lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({host: '127.0.0.1', port}, () => {
      socket.end(lines.map((line) => `${Buffer.byteLength(line)} ${line}`).join(''))
    })
    socket.once('error', reject)
    socket.once('close', () => resolve())
  })
}

/** Lines `from`..`to` of a numbered log tagged `tag`, without the blank ones (a TCP frame is never empty). */
function tcpLines(from: number, to: number, tag: string): string[] {
  return Array.from({length: to - from + 1}, (_, i) => numberedLine(from + i, tag)).filter((line) => line !== '')
}

/** What `lines` store: rows in logs and in rejected_lines (the junk ones). */
function added(expected: {logs: number; rejected: number}, lines: readonly string[]): {logs: number; rejected: number} {
  const junk = lines.filter((line) => line.startsWith('junk')).length
  return {logs: expected.logs + lines.length - junk, rejected: expected.rejected + junk}
}

/** Whether any user may bind port 514 here (net.ipv4.ip_unprivileged_port_start lowered). */
function lowPortsOpen(): boolean {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')) <= 514
  } catch {
    return false
  }
}

interface CollectSetup {
  readonly dir: string
  readonly env: Record<string, string>
  readonly log: string
  readonly db: string
  status(fleet: string): Promise<FleetStatus>
}

function collectSetup(t: TestContext, settings: object, owner?: 'nobody'): CollectSetup {
  const data = linkedDataDir(t, [], owner ? {owner} : {})
  const log = join(data.dir, 'decnet.log')
  writeFileSync(log, '', {mode: 0o644})
  writeFileSync(join(data.dir, 'collect.json'), JSON.stringify({...settings, follow: [log]}), {mode: 0o644})
  if (owner && isRoot) for (const file of [log, join(data.dir, 'collect.json')]) chownSync(file, NOBODY, NOBODY)
  const runtimeDir = data.env.DECNET_RUNTIME_DIR
  return {
    db: join(data.dir, 'db', 'decnet.sqlite'),
    dir: data.dir,
    env: data.env,
    log,
    status: (fleet) => requestStatus({fleet, socket: join(runtimeDir, `${fleet}.sock`)}),
  }
}

function worker(status: FleetStatus, name: string): WorkerStatus {
  return defined(status.workers.find((w) => w.name === name), `worker ${name}`)
}

/** The receiver's port, from its status, once a process other than `notPid` is ready. */
async function receiverPort(setup: CollectSetup, fleet: string, notPid?: number, protocol = 'tcp'): Promise<{pid: number; port: number}> {
  return until(`the ${fleet} receiver to listen`, async () => {
    const receive = worker(await setup.status(fleet), 'receive')
    const match = new RegExp(`listening on ${protocol}://127\\.0\\.0\\.1:(\\d+)`).exec(receive.detail ?? '')
    if (receive.state !== 'ready' || match === null || receive.pid === null || receive.pid === notPid) return undefined
    return {pid: receive.pid, port: Number(match[1])}
  })
}

async function storedExactly(setup: CollectSetup, expected: {logs: number; rejected: number}): Promise<StoredCounts> {
  return until(`${expected.logs} rows in logs and ${expected.rejected} in rejected_lines`, async () => {
    const counts = await countStored(setup.db)
    assert.ok(counts.logs <= expected.logs && counts.rejected <= expected.rejected, `more than expected: ${JSON.stringify(counts)}`)
    return counts.logs === expected.logs && counts.rejected === expected.rejected ? counts : undefined
  })
}

function startCollect(t: TestContext, setup: CollectSetup, asNobody: boolean): DecnetRun {
  return startDecnet(t, ['fleet', 'collect', '--grace', '10'], {env: setup.env, ...(asNobody ? {gid: NOBODY, uid: NOBODY} : {})})
}

describe('decnet fleet collect', () => {
  it('follows a file and receives TCP syslog into SQLite, reports each source, and loses or doubles nothing across SIGKILL and restart', async (t) => {
    // as root, decnet itself runs as nobody: the ordinary user's run
    const setup = collectSetup(t, {flushSeconds: 0.2, listen: ['tcp://127.0.0.1:0']}, isRoot ? 'nobody' : undefined)
    let fleet = startCollect(t, setup, isRoot)
    await fleet.waitFor(/fleet collect ready/)
    let {pid: receivePid, port} = await receiverPort(setup, 'collect')

    // 1. a file and a TCP sender
    appendFileSync(setup.log, numberedLines(1, 200, 'file'))
    await sendTcp(port, tcpLines(1, 50, 'tcp'))
    const [fileLogs, fileRejected] = storedCounts(1, 200)
    let expected = {logs: fileLogs + 50, rejected: fileRejected}
    await storedExactly(setup, expected)

    // 2. the status shows both sources, through the master's control socket and the command
    const status = await until('both sources reported with their counts', async () => {
      const {stdout, code} = await runDecnet(t, ['fleet', 'status', 'collect', '--json'], {env: setup.env})
      assert.equal(code, 0)
      const parsed = JSON.parse(stdout) as FleetStatus
      const file = worker(parsed, 'follow').sources?.[0]
      const tcp = worker(parsed, 'receive').sources?.[0]
      return file?.accepted === fileLogs && tcp?.accepted === 50 ? parsed : undefined
    })
    const file = defined(worker(status, 'follow').sources?.[0], 'the file source')
    assert.deepEqual({...file, lastErrorAt: null}, {accepted: fileLogs, connections: null, kind: 'file', lagBytes: 0, lastError: null, lastErrorAt: null, queued: null, rejected: fileRejected, source: setup.log})
    const listener = defined(worker(status, 'receive').sources?.[0], 'the listener source')
    assert.equal(listener.kind, 'listener')
    assert.equal(listener.source, `tcp://127.0.0.1:${port}`)
    assert.equal(listener.rejected, 0)
    assert.equal(listener.connections, 0, 'the sender closed its connection')
    const text = await runDecnet(t, ['fleet', 'status', 'collect'], {env: setup.env})
    assert.match(text.stdout, /SOURCE +WORKER +ACCEPTED +REJECTED +LAG +CONNECTIONS +LAST ERROR/)
    assert.match(text.stdout, new RegExp(`${setup.log} +follow +${fileLogs} +${fileRejected} +0 B +- +-`))

    // 3. SIGKILL the follower, append while it is down: its restart resumes at the committed line
    const followPid = defined(worker(status, 'follow').pid ?? undefined, 'the follower pid')
    process.kill(followPid, 'SIGKILL')
    appendFileSync(setup.log, numberedLines(201, 400, 'file'))
    const [moreLogs, moreRejected] = storedCounts(201, 400)
    expected = {logs: expected.logs + moreLogs, rejected: expected.rejected + moreRejected}
    await storedExactly(setup, expected)
    assert.ok(worker(await setup.status('collect'), 'follow').restarts >= 1, 'the follower was restarted')

    // 4. SIGKILL the receiver once what it accepted is stored; its successor listens again
    process.kill(receivePid, 'SIGKILL')
    ;({pid: receivePid, port} = await receiverPort(setup, 'collect', receivePid))
    const second = tcpLines(51, 100, 'tcp')
    await sendTcp(port, second)
    expected = added(expected, second)
    await storedExactly(setup, expected)

    // 5. SIGTERM the master: it exits 0; lines written while nothing runs are read by the next run, once
    fleet.child.kill('SIGTERM')
    assert.deepEqual(await fleet.exited, {code: 0, signal: null})
    appendFileSync(setup.log, numberedLines(401, 500, 'file'))
    const [lastLogs, lastRejected] = storedCounts(401, 500)
    expected = {logs: expected.logs + lastLogs, rejected: expected.rejected + lastRejected}
    fleet = startCollect(t, setup, isRoot)
    await fleet.waitFor(/fleet collect ready/)
    ;({port} = await receiverPort(setup, 'collect'))
    const third = tcpLines(101, 120, 'tcp')
    await sendTcp(port, third)
    expected = added(expected, third)
    const counts = await storedExactly(setup, expected)
    assert.equal(counts.distinctLogs, counts.logs, 'no line stored twice')
    assert.equal(counts.distinctRejected, counts.rejected, 'no rejected line stored twice')
    fleet.child.kill('SIGTERM')
    assert.deepEqual(await fleet.exited, {code: 0, signal: null})
  })

  it('receives mutual TLS with the certificates its settings name; a client of another CA is refused and shows as the last error', {skip: opensslMissing()}, async (t) => {
    const certs = mkdtempSync(join(tmpdir(), 'decnet-collect-tls-'))
    t.after(() => rmSync(certs, {force: true, recursive: true}))
    chmodSync(certs, 0o755)
    const files = makeCertificates(certs)
    if (isRoot) for (const file of Object.values(files)) chownSync(file, NOBODY, NOBODY)
    const tls = {ca: files['ca.crt'], cert: files['server.crt'], key: files['server.key']}
    const setup = collectSetup(t, {listen: ['tls://127.0.0.1:0'], tls}, isRoot ? 'nobody' : undefined)
    const fleet = startCollect(t, setup, isRoot)
    await fleet.waitFor(/fleet collect ready/)
    const {port} = await receiverPort(setup, 'collect', undefined, 'tls')
    const client = (name: 'client' | 'rogue'): Promise<void> =>
      new Promise((resolve) => {
        const socket = tlsConnect({ca: readFileSync(files['ca.crt']), cert: readFileSync(files[`${name}.crt`]), host: '127.0.0.1', key: readFileSync(files[`${name}.key`]), port}, () => {
          socket.end(tcpLines(1, 20, name).map((line) => `${Buffer.byteLength(line)} ${line}`).join(''))
        })
        socket.on('error', () => undefined) // the rogue client is cut off
        socket.once('close', () => resolve())
      })
    await client('client')
    await client('rogue')
    await storedExactly(setup, {logs: 20, rejected: 0})
    const listener = await until('the refusal reported as the last error', async () => {
      const source = worker(await setup.status('collect'), 'receive').sources?.[0]
      return source?.lastError?.includes('refused TLS client') ? source : undefined
    })
    assert.equal(listener.accepted, 20)
    assert.equal(listener.source, `tls://127.0.0.1:${port}`)
    assert.ok(listener.lastErrorAt !== null)
    fleet.child.kill('SIGTERM')
    assert.deepEqual(await fleet.exited, {code: 0, signal: null})
  })

  it('refuses unusable settings before spawning anything, naming the file and the setting (exit 2)', async (t) => {
    const setup = collectSetup(t, {listen: ['tcp://localhost:5514']})
    const result = await runDecnet(t, ['fleet', 'collect', ...(isRoot ? ['--user', 'nobody'] : [])], {env: setup.env})
    assert.equal(result.code, 2)
    assert.match(unwrap(result.stderr), /collect\.json: `listen\[0\]` to be tcp:\/\/, tls:\/\/ or udp:\/\/ then an IP address/)
    const heavy = await runDecnet(t, ['fleet', 'heavy', '--listen', 'tcp://127.0.0.1:5514', ...(isRoot ? ['--user', 'nobody'] : [])], {env: setup.env})
    assert.equal(heavy.code, 2)
    assert.match(unwrap(heavy.stderr), /`--listen` is a collect setting: fleet 'heavy' takes no settings/)
  })

  it('an ordinary user without CAP_NET_BIND_SERVICE is refused collect-bind on a low port before anything starts (exit 1)', {skip: lowPortsOpen() && 'this kernel lets any user bind port 514'}, async (t) => {
    const setup = collectSetup(t, {listen: ['tcp://127.0.0.1:514']}, isRoot ? 'nobody' : undefined)
    const result = await runDecnet(t, ['fleet', 'collect-bind'], {env: setup.env, ...(isRoot ? {gid: NOBODY, uid: NOBODY} : {})})
    assert.equal(result.code, 1, result.stderr)
    assert.match(unwrap(result.stderr), /fleet 'collect-bind' listens on tcp:\/\/127\.0\.0\.1:514, below port \d+, which needs CAP_NET_BIND_SERVICE, and decnet runs as uid \d+ without it/)
    assert.doesNotMatch(result.stdout + result.stderr, /worker receive ready/)
  })

  it('decnet config show prints each setting, its value and where it came from (--json too)', async (t) => {
    const setup = collectSetup(t, {flushSeconds: 0.5, listen: ['tcp://127.0.0.1:5514', 'tcp://127.0.0.1:514']})
    const json = await runDecnet(t, ['config', 'show', '--json', '--listen', 'udp://127.0.0.1:5514'], {env: setup.env})
    assert.equal(json.code, 0, json.stderr)
    const shown = JSON.parse(json.stdout) as {file: string; origins: Record<string, string>; settings: Record<string, unknown>}
    assert.equal(shown.file, join(setup.dir, 'collect.json'))
    assert.deepEqual(shown.settings.listen, ['udp://127.0.0.1:5514'])
    assert.deepEqual(shown.settings.follow, [setup.log])
    assert.equal(shown.settings.flushSeconds, 0.5)
    assert.equal(shown.settings.batchSize, 20_000)
    assert.deepEqual([shown.origins.listen, shown.origins.follow, shown.origins.flushSeconds, shown.origins.batchSize], ['command line', 'file', 'file', 'default'])
    const text = await runDecnet(t, ['config', 'show'], {env: setup.env})
    assert.match(text.stdout, /listen +tcp:\/\/127\.0\.0\.1:5514, tcp:\/\/127\.0\.0\.1:514 +file/)
    assert.match(text.stdout, /fleet collect-bind \(profile net-bind, CAP_NET_BIND_SERVICE\): listens on tcp:\/\/127\.0\.0\.1:514/)
  })

  it('as root, collect-bind drops its receiver to nobody with CAP_NET_BIND_SERVICE alone, and a port below 1024 stores lines', {skip: isRoot ? false : 'needs root'}, async (t) => {
    const setup = collectSetup(t, {})
    readFileSync(setup.log) // the follower's file exists; collect-bind follows nothing
    // a low port no other test uses: picked from this process's pid
    const low = 600 + (process.pid % 300)
    const fleet = startDecnet(t, ['fleet', 'collect-bind', '--user', 'nobody', '--listen', `tcp://127.0.0.1:${low}`], {env: setup.env})
    await fleet.waitFor(/fleet collect-bind ready/)
    const {pid} = await receiverPort(setup, 'collect-bind')
    const fields = Object.fromEntries(
      readFileSync(`/proc/${pid}/status`, 'utf8')
        .split('\n')
        .map((line) => line.split(':\t'))
        .filter((pair) => pair.length === 2),
    ) as Record<string, string>
    const bind = (1n << 10n).toString(16).padStart(16, '0')
    assert.equal(fields.CapAmb, bind, 'ambient: CAP_NET_BIND_SERVICE only')
    assert.equal(fields.CapEff, bind, 'effective: CAP_NET_BIND_SERVICE only')
    assert.equal(fields.CapBnd, bind, 'bounding set: CAP_NET_BIND_SERVICE only')
    assert.equal(fields.NoNewPrivs, '1')
    assert.match(fields.Uid, /^65534\t/)
    await sendTcp(low, tcpLines(1, 10, 'low'))
    await storedExactly(setup, {logs: 10, rejected: 0})
    fleet.child.kill('SIGTERM')
    assert.deepEqual(await fleet.exited, {code: 0, signal: null})
  })
})
