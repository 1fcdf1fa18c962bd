import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'
import type {TestContext} from 'node:test'

import type {AttackerServicesTable, CredentialsTable, Database, NewLog} from '../../../src/db/schema.js'
import type {DatabaseKind, MigratedDatabase} from '../../helpers/databases.js'

import {parseDatabaseUrl} from '../../../src/db/url.js'
import {addCredentials} from '../../../src/workers/profiler/credential-rows.js'
import {PROFILER_CURSOR, Profiler, UNATTRIBUTED_SUFFIX, profilerTick} from '../../../src/workers/profiler/profiler.js'
import {ProfilerSemantics} from '../../../src/workers/profiler/semantics.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {defined} from '../../helpers/defined.js'
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

const DECKIES = ['decky-01', 'SRV-DEV-36', 'mx-02', 'décky-ü', 'ws"04']
const SERVICES = ['auth-helper', 'ftp', 'smtp', 'imap', 'mysql', 'smb', 'http', 'snmp', 'sniffer', '-']
const EVENT_TYPES = ['auth_attempt', 'auth', 'command', 'connect', 'startup', 'session_recorded', 'Mail-From', 'file_captured']
const KINDS = [undefined, 'plaintext', 'ntlmssp_v2', 'mysql_native_password', 'http_bearer', 'snmp_community', 'k\u001b[2J\u0000ind']
const PRINCIPALS = [undefined, 'root', 'admin', 'None', 'CORP\\administrator', 'r\u0000o\u001b[31mot"]\\', '😀\ud800', 'x'.repeat(400)]
const SECRETS: Uint8Array[] = [
  Buffer.from('123456'), Buffer.from('hunter2'), Buffer.from(''), Uint8Array.from([0, 1, 2, 0x1b, 0xff, 0xfe, 0x5c, 0x22, 0x5d]),
  Uint8Array.from({length: 3000}, (_, i) => i % 256), Buffer.from('\u009b\u2028😀'),
]

/**
 * `count` log rows, most carrying DECNET's credential shape with hostile
 * values in every field (1 in 8 naming no attacker, as FTP and MQTT lines
 * do; some with a broken secret_b64; some with no credential), timestamps a
 * little out of order.
 */
function credentialLogs(count: number, seed: number, attackers = 40): NewLog[] {
  const rand = random(seed)
  const rows: NewLog[] = []
  for (let i = 0; i < count; i++) {
    const timestamp = new Date(Date.UTC(2026, 10, 26, 12) + i * 6000 - rand(60) * 1000).toISOString()
    const ip = rand(8) === 0 ? null : `198.51.100.${rand(attackers) + 1}`
    const decky = DECKIES[rand(DECKIES.length)]
    const service = SERVICES[rand(SERVICES.length)]
    const fields: Record<string, unknown> = ip === null ? {} : {src_ip: ip}
    const shape = rand(10)
    if (shape < 8) {
      const principal = PRINCIPALS[rand(PRINCIPALS.length)]
      if (principal !== undefined) fields[rand(3) === 0 ? 'username' : 'principal'] = principal
      const kind = KINDS[rand(KINDS.length)]
      if (kind !== undefined) fields.secret_kind = kind
      fields.secret_b64 = Buffer.from(SECRETS[rand(SECRETS.length)]).toString('base64')
      fields.secret_printable = 'not read'
      const outcome = rand(4)
      if (outcome === 0) fields.outcome = 'success'
      else if (outcome === 1) fields.outcome = 'failure'
      if (rand(5) === 0) fields.domain = rand(2) === 0 ? 'CORP' : 'D\u0007OM'
    } else if (shape === 8) {
      fields.secret_b64 = 'not base64!'
    }

    if (rand(3) === 0) {
      Object.assign(fields, {
        sha256: rand(2) === 0 ? 'ab'.repeat(32) : 'not a hash', size: String(rand(5000)), orig_path: `/tmp/\u001b[2J${i}\u0000`, writer_comm: 'wget',
        writer_pid: String(rand(9000)), sid: `s-${i}`, service: rand(2) === 0 ? 'ssh' : 'telnet', duration_s: `${rand(300)}.5`, bytes: '100', truncated: 'true',
      })
    }

    rows.push({
      attacker_ip: ip, decky, event_type: EVENT_TYPES[rand(EVENT_TYPES.length)], fields: JSON.stringify(fields), msg: null,
      raw_line: `line ${i}`, service, timestamp,
    })
  }

  return rows
}

/** The credentials a fold of every line of `logs`, from scratch and in one go, gives. */
async function expectedCredentials(db: Kysely<Database>): Promise<CredentialsTable[]> {
  const logs = await db.selectFrom('logs').selectAll().orderBy('id').execute()
  const semantics = new ProfilerSemantics()
  const rows = new Map<string, CredentialsTable>()
  for (const line of logs) {
    const {credential} = semantics.describe(line)
    const id = Number(line.id)
    if (credential !== undefined) addCredentials(rows, line.attacker_ip ?? '', [{credential, decky: line.decky, log_id: id, service: line.service, timestamp: line.timestamp}])
  }

  return sorted([...rows.values()].map((row) => normalised(row)))
}

/** The `attacker_services` rows a fold of every line of `logs` gives: each (ip, service, kind) by DECNET's buckets, with the first log id that showed it. */
async function expectedServices(db: Kysely<Database>): Promise<AttackerServicesTable[]> {
  const logs = await db.selectFrom('logs').selectAll().orderBy('id').execute()
  const semantics = new ProfilerSemantics()
  const rows = new Map<string, AttackerServicesTable>()
  for (const line of logs) {
    const {activity, artifact} = semantics.describe(line)
    if (line.attacker_ip === null || activity === undefined) continue
    const service = artifact?.kind === 'session' && artifact.service !== null ? artifact.service : line.service
    const key = `${line.attacker_ip} ${service} ${activity}`
    if (!rows.has(key)) rows.set(key, {first_log_id: Number(line.id), ip: line.attacker_ip, kind: activity, service})
  }

  return [...rows.values()].sort(byIpService)
}

/** The `attacker_artifacts` rows: one per artifact line of an attacker. */
async function expectedArtifacts(db: Kysely<Database>): Promise<unknown[]> {
  const logs = await db.selectFrom('logs').selectAll().orderBy('id').execute()
  const semantics = new ProfilerSemantics()
  const rows: unknown[] = []
  for (const line of logs) {
    const {artifact} = semantics.describe(line)
    if (line.attacker_ip === null || artifact === undefined) continue
    const {kind, ...details} = artifact
    rows.push({decky: line.decky, details: JSON.stringify(details), ip: line.attacker_ip, kind, log_id: Number(line.id), service: line.service, timestamp: line.timestamp})
  }

  return rows
}

async function storedArtifacts(db: Kysely<Database>): Promise<unknown[]> {
  const rows = await db.selectFrom('attacker_artifacts').selectAll().orderBy('log_id').execute()
  return rows.map((row) => ({...row, log_id: Number(row.log_id)}))
}

async function storedServices(db: Kysely<Database>): Promise<AttackerServicesTable[]> {
  const rows = await db.selectFrom('attacker_services').selectAll().execute()
  return rows
    .map((row) => ({first_log_id: Number(row.first_log_id), ip: row.ip, kind: row.kind, service: row.service}))
    .sort(byIpService)
}

function byIpService(a: AttackerServicesTable, b: AttackerServicesTable): number {
  const key = (row: AttackerServicesTable) => `${row.ip}\u0000${row.service}\u0000${row.kind}`
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
}

async function storedCredentials(db: Kysely<Database>): Promise<CredentialsTable[]> {
  return sorted((await db.selectFrom('credentials').selectAll().execute()).map((row) => normalised(row)))
}

/** Numbers as numbers (PostgreSQL's bigint comes back as text), text as PostgreSQL stores it (a lone surrogate as U+FFFD). */
function normalised(row: CredentialsTable): CredentialsTable {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(row)) {
    out[key] = typeof value === 'string' && /^(attempts|successes|failures|secret_bytes|first_log_id|last_log_id)$/.test(key) ? Number(value) : value
  }

  return out as unknown as CredentialsTable
}

function sorted(rows: CredentialsTable[]): CredentialsTable[] {
  const key = (row: CredentialsTable) => [row.attacker_ip, row.decky, row.service, row.secret_kind, row.secret_sha256, row.principal].join('\u0000')
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

async function drain(db: Kysely<Database>, batchSize: number): Promise<number> {
  let credentials = 0
  for (;;) {
    const result = await profilerTick(db, {batchSize})
    credentials += result.credentials ?? 0
    if (result.lines < batchSize) return credentials
  }
}

async function setup(t: TestContext, kind: DatabaseKind): Promise<MigratedDatabase> {
  return defined(await migratedDatabase(kind, t), 'a migrated database')
}

for (const kind of DATABASE_KINDS) {
  describe(`profiler credentials and service activity (${kind})`, {skip: skipReason(kind), timeout: 180_000}, () => {
    it('keeps each credential once per (attacker, decky, service, kind, secret, principal), whatever the batch size', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, credentialLogs(1500, 1))
      const expected = await expectedCredentials(db)
      assert.ok(expected.length > 300, `${expected.length} credentials`)
      assert.ok(expected.some((row) => row.attacker_ip === '') && expected.some((row) => row.attempts > 1), 'unattributed and repeated credentials')
      const counted = await drain(db, 137)
      assert.deepEqual(await storedCredentials(db), expected)
      const services = await expectedServices(db)
      assert.ok(services.some((row) => row.kind === 'interaction') && services.some((row) => row.kind === 'scan'))
      assert.ok(!services.some((row) => row.service === 'sniffer' || row.service === '-'), 'infrastructure and NILVALUE are no service')
      assert.deepEqual(await storedServices(db), services)
      assert.equal(counted, expected.reduce((sum, row) => sum + Number(row.attempts), 0))

      // the same lines again over other batch bounds, from scratch
      await db.deleteFrom('credentials').execute()
      await db.deleteFrom('attacker_command_batches').execute()
      await db.deleteFrom('attackers').execute()
      await db.deleteFrom('worker_state').execute()
      await db.deleteFrom('attacker_services').execute()
      await drain(db, 1000)
      assert.deepEqual(await storedCredentials(db), expected)
      assert.deepEqual(await storedServices(db), services)
      const artifacts = await expectedArtifacts(db)
      assert.ok(artifacts.length > 100, `${artifacts.length} artifacts`)
      assert.deepEqual(await storedArtifacts(db), artifacts)
      await db.deleteFrom('credentials').execute()
      await db.deleteFrom('attacker_services').execute()
      await db.deleteFrom('attackers').execute()
      await db.deleteFrom('worker_state').execute()
      await drain(db, 7)
      assert.deepEqual(await storedCredentials(db), expected)
      assert.deepEqual(await storedServices(db), services)
    })

    it('stores every byte of a hostile credential exactly, and its names storable', async (t) => {
      const {db} = await setup(t, kind)
      const secret = Uint8Array.from({length: 256}, (_, i) => i)
      await insertLogs(db, [{
        attacker_ip: '2001:db8::7', decky: 'decky-01', event_type: 'auth', msg: null, raw_line: 'x', service: 'imap', timestamp: '2026-11-26T12:00:00.000Z',
        fields: JSON.stringify({principal: 'r\u0000\u001b]0;pwn\u0007\ud800', secret_b64: Buffer.from(secret).toString('base64'), secret_kind: 'plaintext'}),
      }])
      await drain(db, 10)
      const [row] = await storedCredentials(db)
      assert.deepEqual(Buffer.from(row.secret_b64, 'base64'), Buffer.from(secret))
      assert.equal(row.principal, 'r\ufffd\u001b]0;pwn\u0007\ufffd')
    })

    it('counts nothing twice when the cursor moves back without a reset', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, credentialLogs(800, 2))
      await drain(db, 100)
      const expected = await expectedCredentials(db)
      assert.deepEqual(await storedCredentials(db), expected)
      await db.updateTable('worker_state').set({cursor: 50}).where('worker', '=', PROFILER_CURSOR).execute()
      const replay = await profilerTick(db, {batchSize: 10_000})
      assert.equal(replay.lines, 750)
      assert.equal(replay.credentials, 0)
      assert.deepEqual(await storedCredentials(db), expected)
      assert.deepEqual(await storedServices(db), await expectedServices(db))
      assert.deepEqual(await storedArtifacts(db), await expectedArtifacts(db))
      const mark = await db.selectFrom('worker_state').select('cursor').where('worker', '=', PROFILER_CURSOR + UNATTRIBUTED_SUFFIX).executeTakeFirst()
      assert.ok(mark !== undefined && Number(mark.cursor) > 0, 'the unattributed mark is kept')

      // new lines after the replay are counted once
      await insertLogs(db, credentialLogs(300, 3))
      await drain(db, 64)
      assert.deepEqual(await storedCredentials(db), await expectedCredentials(db))
      assert.deepEqual(await storedServices(db), await expectedServices(db))
    })

    it('never adds a write of lines a credential row already holds (the attackers cleared alone)', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, credentialLogs(600, 4))
      await drain(db, 100)
      const expected = await expectedCredentials(db)
      const services = await expectedServices(db)
      await db.deleteFrom('attackers').execute()
      await db.updateTable('worker_state').set({cursor: 0}).execute()
      await drain(db, 100)
      assert.deepEqual(await storedCredentials(db), expected)
      assert.deepEqual(await storedServices(db), services)
    })

    it('loses and doubles no credential when the worker is SIGKILLed mid-run and restarted', async (t) => {
      const {db, url} = await setup(t, kind)
      const lines = 12_000 // 80 batches of 150: the kill, sent at the first commit seen, lands with dozens to go
      await insertLogs(db, credentialLogs(lines, 5, 200))
      await killProfilerMidRunAndFinish(t, db, url, lines)
      assert.deepEqual(await storedCredentials(db), await expectedCredentials(db))
      assert.deepEqual(await storedServices(db), await expectedServices(db))
      assert.deepEqual(await storedArtifacts(db), await expectedArtifacts(db))
    })

    it('writes an attacker\'s service activity once, not every tick, and again after the profile is reset', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, credentialLogs(400, 7, 5))
      const profiler = new Profiler(db, {batchSize: 50})
      await profiler.drain()
      const services = await expectedServices(db)
      assert.deepEqual(await storedServices(db), services)
      // rows it remembers writing are not written again: a row deleted behind its back stays deleted...
      const [gone] = services
      await db.deleteFrom('attacker_services').where('ip', '=', gone.ip).where('service', '=', gone.service).where('kind', '=', gone.kind).execute()
      await insertLogs(db, credentialLogs(400, 8, 5))
      await profiler.drain()
      const after = await expectedServices(db)
      assert.deepEqual(await storedServices(db), after.filter((row) => byIpService(row, gone) !== 0))
      // ...until it forgets them (another profiler ticked): then the activities of new lines are written again
      await insertLogs(db, credentialLogs(400, 9, 5))
      await profilerTick(db, {batchSize: 100})
      await insertLogs(db, credentialLogs(1000, 10, 5))
      await profiler.drain()
      const stored = await storedServices(db)
      const back = stored.find((row) => byIpService(row, gone) === 0)
      assert.ok(back !== undefined && back.first_log_id > gone.first_log_id, 'written again, from the first new line that showed it')
      assert.deepEqual(stored.filter((row) => row !== back), (await expectedServices(db)).filter((row) => byIpService(row, gone) !== 0))
    })

    it('drains (reading ahead, on SQLite on its reading thread) into the same credentials', async (t) => {
      const {db, url} = await setup(t, kind)
      await insertLogs(db, credentialLogs(3000, 6))
      await new Profiler(db, {batchSize: 256, database: parseDatabaseUrl(url)}).drain()
      assert.deepEqual(await storedCredentials(db), await expectedCredentials(db))
      assert.deepEqual(await storedServices(db), await expectedServices(db))
    })
  })
}
