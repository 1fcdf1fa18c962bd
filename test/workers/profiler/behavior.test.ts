import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'
import type {TestContext} from 'node:test'

import type {Database, NewLog} from '../../../src/db/schema.js'
import type {DatabaseKind, MigratedDatabase} from '../../helpers/databases.js'

import {parseDatabaseUrl} from '../../../src/db/url.js'
import {probedAttacker} from '../../../src/logs/fingerprints/extract-fingerprints.js'
import {BehaviorFold} from '../../../src/workers/profiler/behavior/behavior-fold.js'
import {behaviorLine} from '../../../src/workers/profiler/behavior/behavior-store.js'
import {PROFILER_CURSOR, Profiler, profilerTick} from '../../../src/workers/profiler/profiler.js'
import {ProfilerSemantics} from '../../../src/workers/profiler/semantics.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {insertLogs} from '../../helpers/profiler-logs.js'
import {killProfilerMidRunAndFinish} from '../../helpers/profiler-kill.js'


/** A deterministic pseudo-random source. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state % n
  }
}

const AGENTS = ['curl/8.5.0', 'Mozilla/5.0', 'sqlmap/1.7#stable', 'Mozilla/5.0 (compatible; Nmap Scripting Engine)', 'python-requests/2.31']
const OS = ['linux', 'nmap', 'windows', 'unknown']

/**
 * `count` lines over `attackers` IPs, each attacker with its own cadence (a
 * beacon, a burst, a slow scan), across services, DECNET's helpers, its
 * sniffer (SYNs, flows) and noise; a few requests with tool User-Agents; times
 * out of order by up to a few lines (and now and then by hours).
 */
function behaviorLogs(count: number, seed: number, attackers = 30): NewLog[] {
  const rand = random(seed)
  const clock = new Map<number, number>()
  const rows: NewLog[] = []
  for (let i = 0; i < count; i++) {
    const who = rand(attackers)
    const cadence = [60_000, 2000, 45_000, 700][who % 4]
    const jitter = who % 3 === 0 ? 0 : rand(cadence / 2)
    const t = (clock.get(who) ?? Date.UTC(2026, 10, 26, 12) + who * 1000) + cadence + jitter
    clock.set(who, t)
    const skew = rand(40) === 0 ? -3_600_000 * (1 + rand(5)) : -rand(3) * cadence
    const ip = `198.51.100.${who + 1}`
    const kind = rand(12)
    let service = ['ssh', 'http', 'auth-helper', 'bash', 'smtp', 'mysql'][who % 6]
    let eventType = ['connect', 'auth_attempt', 'command', 'request'][rand(4)]
    let fields: Record<string, string> = {src_ip: ip}
    if (kind === 0) {
      service = 'sniffer'
      eventType = 'tcp_syn_fingerprint'
      fields = {...fields, hop_distance: String(5 + rand(10)), options_sig: 'M,S,T,N,W', os_guess: OS[rand(OS.length)], ttl: String(50 + rand(10)), window: String(64_000 + rand(3)), ipid_class: rand(2) === 0 ? 'unknown' : 'random'}
    } else if (kind === 1) {
      service = 'sniffer'
      eventType = 'tcp_flow_timing'
      fields = {...fields, bytes: String(rand(3) === 0 ? 2_000_000 : 500), retransmits: String(rand(4))}
    } else if (kind === 2) {
      service = 'http'
      eventType = 'request'
      fields = {...fields, headers: JSON.stringify({'User-Agent': AGENTS[rand(AGENTS.length)]}), method: 'GET', path: '/'}
    } else if (kind === 3) {
      eventType = 'startup'
    } else if (kind === 4 && who % 2 === 0) {
      // the host's prober, about the attacker: no attacker IP at ingest, its target in target_ip (§1.13)
      const ttl = [52, 115, 240][who % 3] + rand(3)
      const probe = {df_bit: '1', mss: '1460', options_order: 'M,S,T,N,W', sack_ok: '1', target_ip: ip, target_port: '22', tcpfp_hash: `h${who}`, timestamp: '1', ttl: String(ttl), window_scale: '7', window_size: String(64_240 + rand(2))}
      rows.push({attacker_ip: null, decky: 'decnet-prober', event_type: 'tcpfp_fingerprint', fields: JSON.stringify(probe), msg: null, raw_line: `line ${i}`, service: 'prober', timestamp: new Date(t + skew).toISOString()})
      continue
    }

    rows.push({attacker_ip: ip, decky: `decky-0${1 + rand(3)}`, event_type: eventType, fields: JSON.stringify(fields), msg: null, raw_line: `line ${i}`, service, timestamp: new Date(t + skew).toISOString()})
  }

  return rows
}

interface StoredBehavior {
  ip: string
  last_log_id: number
  behavior_class: string
  state: unknown
  profile: unknown
}

/** What a fold of every line of `logs`, per attacker from scratch and in one go, gives. */
async function expectedBehavior(db: Kysely<Database>): Promise<StoredBehavior[]> {
  const logs = await db.selectFrom('logs').selectAll().orderBy('id').execute()
  const semantics = new ProfilerSemantics()
  const folds = new Map<string, {fold: BehaviorFold; last: number}>()
  for (const line of logs) {
    // a prober line is about its target (what the prober saw of it), though it names no attacker
    const ip = line.attacker_ip ?? probedAttacker(line.service, JSON.parse(line.fields) as Record<string, string>)
    if (!ip) continue
    const entry = folds.get(ip) ?? {fold: BehaviorFold.from(), last: 0}
    folds.set(ip, entry)
    const id = Number(line.id)
    entry.fold.see(behaviorLine({...line, id}, semantics.describe(line)))
    entry.last = id
  }

  return [...folds].map(([ip, {fold, last}]) => {
    const profile = fold.profile()
    return {behavior_class: profile.class, ip, last_log_id: last, profile: JSON.parse(JSON.stringify(profile)), state: JSON.parse(JSON.stringify(fold.toJson()))}
  }).sort(byIp)
}

async function storedBehavior(db: Kysely<Database>): Promise<StoredBehavior[]> {
  const rows = await db.selectFrom('attacker_behavior').selectAll().execute()
  return rows.map((row) => ({...row, last_log_id: Number(row.last_log_id), profile: JSON.parse(row.profile), state: JSON.parse(row.state)})).sort(byIp)
}

function byIp(a: {ip: string}, b: {ip: string}): number {
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0
}

async function drain(db: Kysely<Database>, batchSize: number): Promise<void> {
  const profiler = new Profiler(db, {batchSize})
  await profiler.drain()
}

async function reset(db: Kysely<Database>): Promise<void> {
  for (const table of ['attacker_behavior', 'attackers', 'attacker_command_batches', 'credentials', 'attacker_services', 'attacker_artifacts', 'worker_state'] as const) {
    await db.deleteFrom(table).execute()
  }
}

async function setup(t: TestContext, kind: DatabaseKind): Promise<MigratedDatabase> {
  return migratedDatabase(kind, t)
}

for (const kind of DATABASE_KINDS) {
  describe(`profiler behaviour (${kind})`, {skip: skipReason(kind), timeout: 180_000}, () => {
    it('keeps each attacker\'s behaviour row as a fold of its whole history gives it, whatever the batch size', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, behaviorLogs(3000, 1))
      const expected = await expectedBehavior(db)
      const classes = new Set(expected.map((row) => row.behavior_class))
      assert.ok(classes.size >= 3, `classes: ${[...classes].join()}`)
      const profiles = expected.map((row) => row.profile as {toolGuesses: string[]; os: {guess: null | string}; retransmits: number; timing: {unplaced: number}})
      assert.ok(profiles.some((p) => p.toolGuesses.length > 0) && profiles.some((p) => p.os.guess !== null) && profiles.some((p) => p.retransmits > 0))
      assert.ok(profiles.some((p) => p.timing.unplaced > 0), 'some lines too far out of order to place')
      // TTLs of 115 and more come only from the prober's lines (the sniffer's are 50-59): they reach their targets' behaviour
      const ttls = expected.flatMap((row) => Object.keys((row.state as {ttl: Record<string, number>}).ttl).map(Number))
      assert.ok(ttls.some((ttl) => ttl >= 115) && ttls.some((ttl) => ttl >= 240), `TTLs seen: ${[...new Set(ttls)].join(', ')}`)
      for (const batch of [137, 1000, 7]) {
        await reset(db)
        await drain(db, batch)
        assert.deepEqual(await storedBehavior(db), expected, `batches of ${batch}`)
      }
    })

    it('folds nothing twice when the cursor moves back, or when the attackers are cleared alone', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, behaviorLogs(800, 2))
      await drain(db, 100)
      const expected = await expectedBehavior(db)
      assert.deepEqual(await storedBehavior(db), expected)
      await db.updateTable('worker_state').set({cursor: 50}).where('worker', '=', PROFILER_CURSOR).execute()
      await profilerTick(db, {batchSize: 10_000})
      assert.deepEqual(await storedBehavior(db), expected)
      await db.deleteFrom('attackers').execute()
      await db.updateTable('worker_state').set({cursor: 0}).execute()
      await drain(db, 64)
      assert.deepEqual(await storedBehavior(db), expected)
      // new lines after the replays are folded once
      await insertLogs(db, behaviorLogs(300, 3))
      await drain(db, 64)
      assert.deepEqual(await storedBehavior(db), await expectedBehavior(db))
    })

    it('drains (reading ahead, on SQLite on its reading thread) into the same rows', async (t) => {
      const {db, url} = await setup(t, kind)
      await insertLogs(db, behaviorLogs(2000, 4))
      await new Profiler(db, {batchSize: 256, database: parseDatabaseUrl(url)}).drain()
      assert.deepEqual(await storedBehavior(db), await expectedBehavior(db))
    })

    it('loses and doubles nothing when the worker is SIGKILLed mid-run and restarted', async (t) => {
      const {db, url} = await setup(t, kind)
      const lines = 20_000
      await insertLogs(db, behaviorLogs(lines, 5, 200))
      await killProfilerMidRunAndFinish(t, db, url, lines)
      assert.deepEqual(await storedBehavior(db), await expectedBehavior(db))
    })
  })
}
