/**
 * Issue 18 §5, end to end with real processes: `decnet fleet collect` follows
 * a DECNET log that is rotated twice (rename + create, then copytruncate)
 * and receives more of it over mutual TLS and over TCP (octet counting,
 * loopback), while `decnet fleet heavy` profiles and tags what arrives.
 * Every line is stored exactly once (each carries a unique marker) and the
 * profiles (`decnet export json`) equal those of a batch `decnet ingest` of
 * the same lines into a fresh database. The second run SIGKILLs the follower
 * and the receiver mid-stream (the supervisor restarts them; the senders
 * resend what was not stored, and what was stored is a prefix of what each
 * sent: nothing the receiver had accepted was lost) and takes the database
 * away for a while (PostgreSQL: its server stopped and started again;
 * SQLite: its write lock held by another process): same result. On SQLite
 * and on PostgreSQL (a throwaway cluster of the test's own);
 * `LIVE_KIND=sqlite` (or `postgres`) runs one of them only.
 */
import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {type AddressInfo, createServer} from 'node:net'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'

import {openDatabase} from '../../src/db/index.js'
import type {FleetStatus} from '../../src/prefork/fleet-status.js'
import {isAlive, linkedDataDir, runDecnet, startDecnet, type DecnetRun} from '../helpers/decnet-cli.js'
import {privateCluster, localClusterUnavailable, type Cluster} from '../helpers/pg.js'
import {CURSORS, cursorOf, lastLogId, until} from '../helpers/scale.js'
import {allStored, type Channel, Gate, liveFeed, markerCounts, sendLines, writeRotatedFile} from '../helpers/live-feed.js'
import {makeCertificates, opensslMissing} from '../helpers/test-certificates.js'

const isRoot = process.getuid?.() === 0
const NOBODY = 65_534
const USER = isRoot ? ['--user', 'nobody'] : []
const LINES = 6000
const PACE = {chunk: 20, paceMs: 15}

/** A directory the fleets' user owns (SQLite writes beside its file; the spool and the log live here too). */
function fleetDir(t: TestContext): string {
  const dir = mkdtempSync('/tmp/decnet-live-')
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  chmodSync(dir, 0o755)
  if (isRoot) chownSync(dir, NOBODY, NOBODY)
  return dir
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** The database the fleets write, the fresh one the batch ingest writes, and how to take the first away for a while. */
interface Target {
  readonly url: string
  readonly batchUrl: string
  /** Takes the database away, opens the writers' gates (lines come meanwhile), and brings it back once the collectors noticed. */
  outage(collect: DecnetRun, openGates: () => void, queued: () => Promise<null | number>): Promise<void>
}

async function target(t: TestContext, kind: 'postgres' | 'sqlite', dir: string): Promise<Target> {
  if (kind === 'sqlite') {
    const file = join(dir, 'decnet.sqlite')
    return {
      batchUrl: `sqlite:${join(dir, 'batch.sqlite')}`,
      // another process holds the write lock (for less than the writers' busy timeout): every writer waits
      async outage(_collect, openGates) {
        const lock = new BetterSqlite3(file)
        try {
          lock.exec('begin exclusive')
          openGates()
          await new Promise((resolve) => setTimeout(resolve, 2000))
          lock.exec('commit')
        } finally {
          lock.close()
        }
      },
      url: `sqlite:${file}`,
    }
  }

  const cluster: Cluster = await privateCluster()
  t.after(() => cluster.stop())
  const admin = new pg.Client({connectionString: cluster.url})
  await admin.connect()
  await admin.query('create database batch')
  await admin.end()
  return {
    batchUrl: cluster.url.replace(/\/postgres$/, '/batch'),
    // the server stops (immediate: in-flight transactions die) until the receiver has said it spools and the follower that it waits
    async outage(collect, openGates, queued) {
      const seen = collect.output().length
      cluster.stopServer('immediate')
      openGates()
      // a running receiver spools, a running follower waits; one (re)started meanwhile waits for the database to open it
      const noticed = (): boolean => ['receive', 'follow'].every((name) => new RegExp(`${name} \\| (${name}: .*(unavailable|unreachable)|database unreachable)`).test(collect.output().slice(seen)))
      await until(noticed, {timeoutMs: 20_000, what: 'the receiver and the follower to notice the outage'}).catch((error: Error) => {
        throw new Error(`${error.message}\n${collect.output().slice(seen)}`)
      })
      // a receiver that was running spools what comes meanwhile: `fleet status` shows it queued
      if (/receive: database unavailable/.test(collect.output().slice(seen))) await until(async () => ((await queued()) ?? 0) > 0, {timeoutMs: 20_000, what: 'the spooled lines in fleet status'})
      cluster.startServer()
    },
    url: cluster.url,
  }
}

function worker(status: FleetStatus, name: string): {pid: number; restarts: number; state: string} {
  const found = status.workers.find((w) => w.name === name)
  assert.ok(found?.pid, `worker ${name} has a pid`)
  return {pid: found.pid, restarts: found.restarts, state: found.state}
}

/** The attackers as `decnet export json` prints them (no log ids: comparable across databases), by IP. */
/**
 * Every profile `decnet export json` gives, by IP, less its credential
 * stuffing (T1110.004): the one tag that depends on the order in which
 * different attackers' lines arrive (the first attacker to try a credential
 * is not stuffing it; one that tries it after another did is), and the three
 * channels interleave attackers differently from the batch file.
 */
async function exported(t: TestContext, url: string): Promise<unknown[]> {
  const {code, stdout, stderr} = await runDecnet(t, ['export', 'json', '--db', url], {timeoutMs: 60_000})
  assert.equal(code, 0, stderr)
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as {ip: string; techniques: Array<{techniqueId: string}>})
    .map((profile) => ({...profile, techniques: profile.techniques.filter((technique) => technique.techniqueId !== 'T1110.004')}))
    .sort((a, b) => (a.ip < b.ip ? -1 : 1))
}

async function live(t: TestContext, kind: 'postgres' | 'sqlite', disrupt: boolean): Promise<void> {
  const dir = fleetDir(t)
  const db = await target(t, kind, dir)
  const certs = join(dir, 'certs')
  mkdirSync(certs)
  const files = makeCertificates(certs)
  if (isRoot) for (const file of readdirSync(certs)) chownSync(join(certs, file), NOBODY, NOBODY)
  const [tcpPort, tlsPort] = [await freePort(), await freePort()]
  const log = join(dir, 'decnet.log')
  const data = linkedDataDir(t)
  writeFileSync(join(data.dir, 'collect.json'), JSON.stringify({
    flushSeconds: 0.2,
    follow: [log],
    listen: [`tls://127.0.0.1:${tlsPort}`, `tcp://127.0.0.1:${tcpPort}`],
    spool: {directory: join(dir, 'spool'), maxBytes: 16 * 1024 * 1024},
    tls: {ca: files['ca.crt'], cert: files['server.crt'], key: files['server.key']},
  }), {mode: 0o644})
  const env = {...data.env, DECNET_DB_RETRY_SECONDS: '0.5'}
  const heavy = startDecnet(t, ['fleet', 'heavy', '--interval', '1', '--db', db.url, ...USER], {env})
  const collect = startDecnet(t, ['fleet', 'collect', '--grace', '10', '--db', db.url, ...USER], {env})
  await collect.waitFor(/fleet collect ready/)
  await heavy.waitFor(/fleet heavy ready/)
  const status = async (fleet: string): Promise<FleetStatus> => {
    const {code, stdout, stderr} = await runDecnet(t, ['fleet', 'status', fleet, '--json'], {env})
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout) as FleetStatus
  }

  const reader = await openDatabase(db.url)
  t.after(() => reader.destroy())
  // what is stored, read as soon as the database answers (a sender's connection can break while the database is away)
  const stored = async (): Promise<Map<number, number>> => {
    let counts: Map<number, number> | undefined
    await until(async () => {
      try {
        const logs = await reader.selectFrom('logs').select('raw_line').execute()
        const rejected = await reader.selectFrom('rejected_lines').select('raw_line').execute()
        counts = markerCounts([...logs, ...rejected].map((row) => row.raw_line))
        return true
      } catch (error) {
        if (/cannot connect/.test((error as Error).message)) return false
        throw error
      }
    }, {timeoutMs: 60_000, what: 'the database to answer'})
    return counts!
  }

  const feed = liveFeed(LINES, kind === 'sqlite' ? 18 : 19)
  const storedShare = async (channel: Channel, share: number): Promise<void> => {
    const numbers = feed.byChannel[channel]
    await until(async () => {
      const counts = await stored()
      return numbers.filter((n) => counts.has(n)).length >= numbers.length * share
    }, {timeoutMs: 30_000, what: `${share * 100}% of the ${channel} lines stored`})
  }

  // the receiver was killed: once its successor listens, what each sender sent is stored up to a point (a prefix:
  // nothing accepted was lost behind it), and the sender starts again from there
  let receiverKilled = 0
  const resend = (channel: 'tcp' | 'tls') => async (sentUpTo: number): Promise<number> => {
    await until(() => receiverKilled !== 0 && !isAlive(receiverKilled), {what: 'the killed receiver to be gone'})
    await until(async () => {
      const receive = (await status('collect')).workers.find((w) => w.name === 'receive')
      return receive?.pid !== undefined && receive.pid !== null && receive.pid !== receiverKilled && receive.state === 'ready'
    }, {timeoutMs: 30_000, what: 'the receiver restarted'})
    const counts = await stored()
    const numbers = feed.byChannel[channel]
    const prefix = numbers.findIndex((n) => !counts.has(n))
    const from = prefix === -1 ? numbers.length : prefix
    assert.ok(numbers.slice(from).every((n) => !counts.has(n)), `${channel}: what was stored is a prefix of what was sent`)
    assert.ok(from <= sentUpTo, `${channel}: nothing stored that was not sent`)
    return from
  }

  const client = {ca: readFileSync(files['ca.crt']), cert: readFileSync(files['client.crt']), key: readFileSync(files['client.key'])}
  const channelLines = (channel: Channel): string[] => feed.byChannel[channel].map((n) => feed.lines[n])
  // with disruptions, every writer stops at 75% of its lines until the database is gone
  const gates = {file: new Gate(disrupt ? 0.75 : 0), tcp: new Gate(disrupt ? 0.75 : 0), tls: new Gate(disrupt ? 0.75 : 0)}
  if (!disrupt) for (const gate of Object.values(gates)) gate.open()
  const feeding = Promise.all([
    writeRotatedFile({feed, gate: gates.file, path: log, stored, ...PACE}),
    sendLines({gate: gates.tls, lines: channelLines('tls'), onBroken: resend('tls'), port: tlsPort, protocol: 'tls', tls: client, ...PACE}),
    sendLines({gate: gates.tcp, lines: channelLines('tcp'), onBroken: resend('tcp'), port: tcpPort, protocol: 'tcp', ...PACE}),
  ])
  if (disrupt) {
    await storedShare('file', 0.15)
    process.kill(worker(await status('collect'), 'follow').pid, 'SIGKILL')
    await storedShare('tcp', 0.25)
    receiverKilled = worker(await status('collect'), 'receive').pid
    process.kill(receiverKilled, 'SIGKILL')
    await Promise.all(Object.values(gates).map((gate) => gate.arrived))
    const queued = async (): Promise<null | number> => (await status('collect')).workers.find((w) => w.name === 'receive')?.sources?.[0]?.queued ?? null
    await db.outage(collect, () => {
      for (const gate of Object.values(gates)) gate.open()
    }, queued)
  }

  await feeding
  await allStored(stored, feed.lines.map((_, n) => n), 'every line').catch(async (error: Error) => {
    const counts = await stored()
    const missing = (Object.keys(feed.byChannel) as Channel[]).map((channel) => `${channel}: ${feed.byChannel[channel].filter((n) => !counts.has(n)).join(',')}`)
    throw new Error(`${error.message}\n${missing.join('\n')}\n${collect.output().slice(-4000)}`)
  })
  const counts = await stored()
  assert.equal(counts.size, feed.lines.length)
  assert.deepEqual([...counts.values()].filter((times) => times !== 1), [], 'every line stored exactly once')
  await until(async () => (await status('collect')).workers.find((w) => w.name === 'receive')?.sources?.[0]?.queued === 0, {what: 'the receiver to report an empty spool (0 queued)'})
  if (disrupt) {
    const restarted = await status('collect')
    assert.ok(worker(restarted, 'follow').restarts >= 1, 'the follower was restarted')
    assert.ok(worker(restarted, 'receive').restarts >= 1, 'the receiver was restarted')
  }

  const last = await lastLogId(reader)
  await until(async () => {
    for (const cursor of CURSORS) if ((await cursorOf(reader, cursor)) < last) return false
    return true
  }, {timeoutMs: 60_000, what: `heavy's cursors to reach ${last}`})
  for (const fleet of [collect, heavy]) {
    fleet.child.kill('SIGTERM')
    assert.deepEqual(await fleet.exited, {code: 0, signal: null}, fleet.output())
  }

  // the same lines, one batch, a fresh database, one pass of heavy
  const batch = join(dir, 'batch.log')
  writeFileSync(batch, feed.lines.map((line) => `${line}\n`).join(''), {mode: 0o644})
  const asUser = isRoot ? {gid: NOBODY, uid: NOBODY} : {}
  const ingested = await runDecnet(t, ['ingest', batch, '--db', db.batchUrl], {env, ...asUser})
  assert.equal(ingested.code, 0, ingested.stderr)
  const once = await runDecnet(t, ['fleet', 'heavy', '--once', '--db', db.batchUrl, ...USER], {env, timeoutMs: 60_000})
  assert.equal(once.code, 0, once.stderr)
  const [live, batched] = [await exported(t, db.url), await exported(t, db.batchUrl)]
  assert.ok(live.length > 100, `attackers profiled: ${live.length}`)
  assert.deepEqual(live, batched, 'the profiles equal those of a batch ingest')
}

for (const kind of (['sqlite', 'postgres'] as const).filter((k) => !process.env.LIVE_KIND || k === process.env.LIVE_KIND)) {
  const skip = opensslMissing() ?? (kind === 'postgres' ? localClusterUnavailable() ?? undefined : undefined)
  describe(`collect + heavy, fed live (${kind})`, {skip, timeout: 180_000}, () => {
    it('a rotated file, mutual TLS and TCP: every line stored once, profiles equal to a batch ingest', (t) => live(t, kind, false))
    it('the follower and the receiver SIGKILLed mid-stream and the database away for a while: the same', (t) => live(t, kind, true))
  })
}
