import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'
import type {TestContext} from 'node:test'

import type {AttackerFingerprintsTable, Database, NewLog} from '../../../src/db/schema.js'
import type {DatabaseKind, MigratedDatabase} from '../../helpers/databases.js'

import {parseDatabaseUrl} from '../../../src/db/url.js'
import {addFingerprints} from '../../../src/workers/profiler/fingerprints/fingerprint-rows.js'
import {PROBED_SUFFIX} from '../../../src/workers/profiler/fingerprints/probed-fingerprints.js'
import {TrustedProxies} from '../../../src/workers/profiler/fingerprints/trusted-proxies.js'
import {PROFILER_CURSOR, Profiler, profilerTick} from '../../../src/workers/profiler/profiler.js'
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
    return (state >>> 8) % n // the low bits of this generator repeat with short periods
  }
}

const UAS = ['curl/8.5.0', 'sqlmap/1.7', '', 'Mozilla/5.0 \u001b[2J\u0000"]\\', `x${'y'.repeat(3000)}`, '😀\ud800', 'python-requests/2.31']
const CLAIMS = [undefined, '8.8.8.8', '10.0.0.1', '127.0.0.1', 'for="[2001:4860::8888]:80"', 'junk']
const JA3 = ['e7d705a3286e19ea42f587b344ee6865', '6734f37431670b3ab4292b8f60f29984', 'j\u0000a3"]']
const TRUSTED = '198.51.100.3, 198.51.100.4/31'

/**
 * `count` log rows in DECNET's field shapes: http requests with headers (JSON
 * or Python repr; with proxy claims, some naming the source itself), Caddy
 * ja4h lines, sniffer hellos and banners, and prober lines naming the
 * attacker only as `target_ip` (so no attacker_ip), hostile values among
 * them, timestamps a little out of order.
 */
function fingerprintLogs(count: number, seed: number, attackers = 30): NewLog[] {
  const rand = random(seed)
  const rows: NewLog[] = []
  for (let i = 0; i < count; i++) {
    const timestamp = new Date(Date.UTC(2026, 10, 26, 12) + i * 5000 - rand(60) * 1000).toISOString()
    const ip = `198.51.100.${rand(attackers) + 1}`
    const shape = rand(8)
    let row: Omit<NewLog, 'raw_line' | 'timestamp'>
    if (shape < 3) {
      const headers: Record<string, string> = {Host: 'web-01', 'User-Agent': UAS[rand(UAS.length)], Accept: '*/*'}
      const claim = CLAIMS[rand(CLAIMS.length)]
      if (claim !== undefined) headers[claim.startsWith('for=') ? 'Forwarded' : 'X-Forwarded-For'] = claim
      if (rand(6) === 0) headers['X-Real-IP'] = ip // a claim of the source itself: nothing
      const repr = rand(3) === 0
      const text = repr
        ? `{${Object.entries(headers).map(([k, v]) => `'${k}': '${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`).join(', ')}}`
        : JSON.stringify(headers)
      row = {attacker_ip: ip, decky: 'web-01', event_type: 'request', fields: JSON.stringify({method: 'GET', path: '/', remote_addr: ip, headers: text}), msg: null, service: repr ? 'https' : 'http'}
    } else if (shape === 3) {
      row = {attacker_ip: ip, decky: 'web-01', event_type: 'http_request_fingerprint', fields: JSON.stringify({remote_addr: `${ip}:${40_000 + i}`, proto: 'h2', ja4h: `GE20nn0000_0${rand(4)}_aaaa_000000000000`, headers_ordered: '[":method", "host"]'}), msg: null, service: 'http'}
    } else if (shape === 4) {
      row = {attacker_ip: ip, decky: 'web-01', event_type: 'tls_client_hello', fields: JSON.stringify({src_ip: ip, ja3: JA3[rand(JA3.length)], ja4: 't13d1516h2_8daaf6152771_b186095e22b6', sni: `s\u0007${rand(3)}`, ja4l_rtt_ms: `${rand(90)}.5`, ja4l_client_ttl: String(40 + rand(3))}), msg: null, service: 'sniffer'}
    } else if (shape === 5) {
      row = {attacker_ip: ip, decky: 'ssh-01', event_type: 'ssh_client_banner', fields: JSON.stringify({src_ip: ip, ssh_version: rand(2) === 0 ? 'SSH-2.0-Go' : 'SSH-2.0-libssh_0.9.6'}), msg: null, service: 'sniffer'}
    } else {
      // the prober: the attacker is the target, ingest stored no attacker_ip
      const type = rand(3)
      const fields = type === 0
        ? {target_ip: ip, target_port: '22', hassh_server_hash: `h${rand(3)}`, kex_algorithms: 'curve25519-sha256', ssh_banner: 'SSH-2.0-OpenSSH_8.9p1'}
        : type === 1 ? {target_ip: ip, target_port: '443', jarm_hash: `${rand(2)}`.repeat(62)} : {target_ip: ip, target_port: '-', icmp_fp_hash: `i${rand(2)}`, icmp_matrix: 'P...'}
      const eventType = ['hassh_fingerprint', 'jarm_fingerprint', 'icmp_error_leak'][type]
      row = {attacker_ip: rand(10) === 0 ? ip : null, decky: 'decnet-prober', event_type: eventType, fields: JSON.stringify(fields), msg: 'probe', service: 'prober'}
    }

    rows.push({...row, raw_line: `line ${i}`, timestamp})
  }

  return rows
}

/** What a fold of every line of `logs`, from scratch and in one go, gives. */
async function expectedFingerprints(db: Kysely<Database>, trusted?: TrustedProxies): Promise<AttackerFingerprintsTable[]> {
  const logs = await db.selectFrom('logs').selectAll().orderBy('id').execute()
  const semantics = new ProfilerSemantics()
  const rows = new Map<string, AttackerFingerprintsTable>()
  for (const line of logs) {
    const {fingerprints, probed} = semantics.describe(line)
    const ip = line.attacker_ip ?? probed
    if (fingerprints === undefined || ip === undefined) continue
    addFingerprints(rows, ip, fingerprints.map((fingerprint) => ({fingerprint, log_id: Number(line.id), timestamp: line.timestamp})), trusted)
  }

  return sorted([...rows.values()].map((row) => normalised(row)))
}

async function storedFingerprints(db: Kysely<Database>): Promise<AttackerFingerprintsTable[]> {
  return sorted((await db.selectFrom('attacker_fingerprints').selectAll().execute()).map((row) => normalised(row)))
}

/** Numbers as numbers (PostgreSQL's bigint comes back as text), details in one spelling. */
function normalised(row: AttackerFingerprintsTable): AttackerFingerprintsTable {
  return {
    ...row,
    count: Number(row.count),
    details: JSON.stringify(JSON.parse(row.details)),
    first_log_id: Number(row.first_log_id),
    last_log_id: Number(row.last_log_id),
  }
}

function sorted(rows: AttackerFingerprintsTable[]): AttackerFingerprintsTable[] {
  const key = (row: AttackerFingerprintsTable) => [row.attacker_ip, row.type, row.value_sha256].join('\u0000')
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

async function drain(db: Kysely<Database>, batchSize: number, trusted?: TrustedProxies): Promise<void> {
  for (;;) {
    const result = await profilerTick(db, {batchSize, trustedProxies: trusted})
    if (result.lines < batchSize) return
  }
}

async function setup(t: TestContext, kind: DatabaseKind): Promise<MigratedDatabase> {
  return defined(await migratedDatabase(kind, t), 'a migrated database')
}

async function reset(db: Kysely<Database>): Promise<void> {
  for (const table of ['attacker_fingerprints', 'credentials', 'attacker_command_batches', 'attackers', 'worker_state', 'attacker_services', 'attacker_artifacts'] as const) {
    await db.deleteFrom(table).execute()
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`profiler fingerprints (${kind})`, {skip: skipReason(kind), timeout: 180_000}, () => {
    it('keeps each fingerprint once per (attacker, family, value), the same whatever the batch size', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, fingerprintLogs(1500, 1))
      const expected = await expectedFingerprints(db)
      assert.ok(expected.length > 200, `${expected.length} fingerprints`)
      const types = new Set(expected.map((row) => row.type))
      for (const type of ['http_useragent', 'http_quirks', 'ja4h_decnet', 'ja3', 'ja4', 'ja4l', 'ssh_client_banner', 'hassh_server', 'kex_order', 'jarm', 'icmp_error', 'ip_leak', 'spoofed_source']) {
        assert.ok(types.has(type), `some ${type}`)
      }

      assert.ok(expected.some((row) => row.count > 5), 'repeated fingerprints are one row')
      assert.ok(!expected.some((row) => (row.type === 'ip_leak' || row.type === 'spoofed_source') && row.value === row.attacker_ip), 'a claim of the source itself is none')
      await drain(db, 137)
      assert.deepEqual(await storedFingerprints(db), expected)
      for (const size of [1000, 7]) {
        await reset(db)
        await drain(db, size)
        assert.deepEqual(await storedFingerprints(db), expected, `batches of ${size}`)
      }
    })

    it('attributes prober lines to their target, and a trusted proxy claims nothing', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, fingerprintLogs(800, 2, 5))
      const trusted = TrustedProxies.parse(TRUSTED, 'trustedProxies')
      const expected = await expectedFingerprints(db, trusted)
      await drain(db, 50, trusted)
      const stored = await storedFingerprints(db)
      assert.deepEqual(stored, expected)
      assert.ok(stored.some((row) => row.type === 'jarm' && row.attacker_ip.startsWith('198.51.100.')))
      const claimsOf = (ip: string) => stored.filter((row) => row.attacker_ip === ip && (row.type === 'ip_leak' || row.type === 'spoofed_source'))
      assert.deepEqual(claimsOf('198.51.100.3'), [])
      assert.deepEqual(claimsOf('198.51.100.5'), [])
      assert.ok(claimsOf('198.51.100.1').length > 0, 'an untrusted source\'s claims count')
    })

    it('counts nothing twice when the cursor moves back without a reset, or the attackers are cleared alone', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, fingerprintLogs(800, 3))
      await drain(db, 100)
      const expected = await expectedFingerprints(db)
      assert.deepEqual(await storedFingerprints(db), expected)
      await db.updateTable('worker_state').set({cursor: 50}).where('worker', '=', PROFILER_CURSOR).execute()
      const replay = await profilerTick(db, {batchSize: 10_000})
      assert.equal(replay.lines, 750)
      assert.deepEqual(await storedFingerprints(db), expected)
      const mark = await db.selectFrom('worker_state').select('cursor').where('worker', '=', PROFILER_CURSOR + PROBED_SUFFIX).executeTakeFirst()
      assert.ok(mark !== undefined && Number(mark.cursor) > 0, 'the probed mark is kept')

      await db.deleteFrom('attackers').execute()
      await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', PROFILER_CURSOR).execute()
      await drain(db, 100)
      assert.deepEqual(await storedFingerprints(db), expected)

      // new lines afterwards are counted once
      await insertLogs(db, fingerprintLogs(300, 4))
      await drain(db, 64)
      assert.deepEqual(await storedFingerprints(db), await expectedFingerprints(db))
    })

    it('drains (reading ahead, on SQLite on its reading thread) into the same fingerprints', async (t) => {
      const {db, url} = await setup(t, kind)
      await insertLogs(db, fingerprintLogs(3000, 6))
      await new Profiler(db, {batchSize: 256, database: parseDatabaseUrl(url)}).drain()
      assert.deepEqual(await storedFingerprints(db), await expectedFingerprints(db))
    })

    it('loses and doubles no fingerprint when the worker is SIGKILLed mid-run and restarted (trusted proxies from the environment)', async (t) => {
      const {db, url} = await setup(t, kind)
      const lines = 20_000
      await insertLogs(db, fingerprintLogs(lines, 5, 200))
      await killProfilerMidRunAndFinish(t, db, url, lines, {DECNET_TRUSTED_PROXIES: TRUSTED})
      assert.deepEqual(await storedFingerprints(db), await expectedFingerprints(db, TrustedProxies.parse(TRUSTED, 'x')))
    })
  })
}

describe('trusted proxies', () => {
  it('reads IPs and CIDRs, a bare IPv6 as one address', () => {
    const trusted = TrustedProxies.parse(['10.0.0.0/8', '2001:db8::1', ' 192.0.2.7 '], 'trustedProxies')
    assert.equal(trusted.size, 3)
    assert.ok(trusted.has('10.9.9.9') && trusted.has('2001:db8::1') && trusted.has('192.0.2.7'))
    assert.ok(!trusted.has('2001:db8::2'), 'DECNET would trust 2001:db8::/32 here')
    assert.ok(!trusted.has('11.0.0.1') && !trusted.has('::ffff:10.0.0.1:x'))
    assert.equal(TrustedProxies.parse(undefined, 'x').size, 0)
    assert.equal(TrustedProxies.parse('', 'x').size, 0)
    assert.throws(() => TrustedProxies.parse('10.0.0.0/33', 'trustedProxies'), /Expected `trustedProxies` to hold IPs or CIDRs \(like 10\.0\.0\.0\/8\), got `10\.0\.0\.0\/33`/)
    assert.throws(() => TrustedProxies.parse('host.example', '$DECNET_TRUSTED_PROXIES'), /\$DECNET_TRUSTED_PROXIES/)
    assert.throws(() => TrustedProxies.parse(42, 'trustedProxies'), /a list of IPs or CIDRs/)
  })
})
