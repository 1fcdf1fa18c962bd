// Migration 0017: attackers' services become the services they reached (DECNET's infrastructure producers out,
// a recorded session counted for its own service); an upgraded database equals a cold build of this version.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database, NewLog} from '../../src/db/schema.js'
// the profiler from dist/, as the profiler tests import it (its reading thread is a JavaScript file)
import {profilerTick} from '../../dist/workers/profiler/profiler.js'
import {DATABASE_KINDS, databaseAtMigration, migratedDatabase, migrator, skipReason} from '../helpers/databases.js'
import {insertLogs, readProfiles} from '../helpers/profiler-logs.js'

const A = '203.0.113.7'
const B = '198.51.100.23'
const C = '2001:db8::7'
const D = '192.0.2.1'

const ts = (s: string): string => `2026-11-26T13:${s}.000Z`

function logLine(id: number, ip: string, time: string, decky: string, service: string, eventType: string, fields: Record<string, string> = {}): NewLog & {id: number} {
  const sd = Object.entries(fields).map(([k, v]) => `${k}="${v}"`).join(' ')
  return {
    attacker_ip: ip, decky, event_type: eventType, fields: JSON.stringify(fields), id, msg: null,
    raw_line: `<134>1 ${ts(time)} ${decky} ${service} - ${eventType} [relay@55555 ${sd}]`, service, timestamp: ts(time),
  }
}

const session = (service: string) => ({bytes: '10', duration_s: '5.000', service, sid: '3f9c2a1e-5b7d-4c1a-9e2f-8a6b0c4d2e11', truncated: 'false'})

/** Profiled before the upgrade: ids 1..12. */
const BEFORE = [
  // A: an SSH intrusion; its first session line is its recorder's first contact, a skipped session comes after
  logLine(1, A, '00:00', 'decky-01', 'sniffer', 'tcp_syn_fingerprint', {os_guess: 'linux'}),
  logLine(2, A, '00:01', 'decky-01', 'auth-helper', 'auth_attempt', {username: 'root'}),
  logLine(3, A, '00:02', 'decky-01', 'bash', 'command', {command: 'id'}),
  logLine(4, A, '00:03', 'decky-01', 'sessrec', 'session_recorded', session('ssh')),
  logLine(5, A, '00:04', 'decky-01', 'sessrec', 'session_skipped', {reason: 'disk_pressure'}),
  logLine(6, A, '00:05', 'decky-01', 'ssh', 'file_captured', {orig_path: '/tmp/x.sh'}),
  // B: a Telnet session the sniffer saw, and DECNET's correlator
  logLine(7, B, '00:00', 'decky-02', 'sniffer', 'tcp_flow_timing'),
  logLine(8, B, '00:06', 'decky-02', 'sessrec', 'session_recorded', session('telnet')),
  logLine(9, B, '00:07', 'decky-03', 'correlator', 'traversal_detected'),
  // C: a session line (spelt otherwise) ingested after a later ssh line
  logLine(10, C, '00:10', 'decky-01', 'ssh', 'connect'),
  logLine(11, C, '00:05', 'decky-01', 'sessrec', 'Session-Recorded', session('ssh')),
  logLine(12, C, '00:11', 'decky-01', 'mutator', 'decky_mutated'),
]

/** Arrive after the upgrade. */
const AFTER = [
  logLine(13, A, '00:20', 'decky-01', 'sessrec', 'session_recorded', session('telnet')),
  logLine(14, C, '00:20', 'decky-02', 'sniffer', 'tcp_syn_fingerprint'),
  logLine(15, B, '00:21', 'decky-02', 'auth-helper', 'auth_attempt', {username: 'admin'}),
  logLine(16, D, '00:22', 'decky-04', 'tarpit', 'tarpit_enter'),
]

/** The services and their first contacts as the previous version kept them: every APP-NAME, by first contact. */
function oldServices(ip: string, lastLogId: number): {keys: Array<[string, number]>; names: string[]} {
  const first = new Map<string, [string, number]>()
  for (const line of BEFORE) {
    if (line.attacker_ip !== ip || line.id > lastLogId || line.service === '-') continue
    const known = first.get(line.service)
    if (known === undefined || line.timestamp < known[0]) first.set(line.service, [line.timestamp, line.id])
  }

  const sorted = [...first].sort(([, a], [, b]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]))
  return {keys: sorted.map(([, key]) => key), names: sorted.map(([name]) => name)}
}

/** Writes the previous version's services into the attacker rows a profiler of this version built. */
async function writeOldShape(db: Kysely<Database>): Promise<void> {
  for (const row of await db.selectFrom('attackers').selectAll().execute()) {
    const {keys, names} = oldServices(row.ip, Number(row.last_log_id))
    const contacts = JSON.parse(row.first_contacts) as {deckies: unknown[]}
    await db
      .updateTable('attackers')
      .set({first_contacts: JSON.stringify({deckies: contacts.deckies, services: keys}), services: JSON.stringify(names)})
      .where('ip', '=', row.ip)
      .execute()
  }
}

async function services(db: Kysely<Database>): Promise<Record<string, [string[], unknown[]]>> {
  const rows = await db.selectFrom('attackers').select(['ip', 'services', 'first_contacts']).orderBy('ip').execute()
  return Object.fromEntries(rows.map((row) => [row.ip, [JSON.parse(row.services) as string[], (JSON.parse(row.first_contacts) as {services: unknown[]}).services]]))
}

async function drain(db: Kysely<Database>): Promise<void> {
  while ((await profilerTick(db, {batchSize: 5})).lines === 5);
}

for (const kind of DATABASE_KINDS) {
  describe(`migration 0017-reached-services (${kind})`, {skip: skipReason(kind)}, () => {
    it('rewrites stored services to those reached; with the later lines profiled, the database equals a cold build', async (t) => {
      const db = await databaseAtMigration(kind, t, '0016-alert-outbox')
      await insertLogs(db, [...BEFORE, ...AFTER])
      assert.equal((await profilerTick(db, {batchSize: BEFORE.length})).lines, BEFORE.length)
      await writeOldShape(db)
      // a foreign row, whose first contacts do not fit its names, is left as it is
      await db.insertInto('attackers').values({
        auth_attempts: 0, deckies: '["x"]', event_count: 1, first_contacts: '{"deckies":[],"services":[]}', first_seen: ts('00:00'),
        ip: '192.0.2.99', is_traversal: 0, last_log_id: 0, last_seen: ts('00:00'), services: '["sniffer"]', traversal_path: null,
      }).execute()
      assert.deepEqual(await services(db), {
        [A]: [['sniffer', 'auth-helper', 'bash', 'sessrec', 'ssh'], [[ts('00:00'), 1], [ts('00:01'), 2], [ts('00:02'), 3], [ts('00:03'), 4], [ts('00:05'), 6]]],
        [B]: [['sniffer', 'sessrec', 'correlator'], [[ts('00:00'), 7], [ts('00:06'), 8], [ts('00:07'), 9]]],
        [C]: [['sessrec', 'ssh', 'mutator'], [[ts('00:05'), 11], [ts('00:10'), 10], [ts('00:11'), 12]]],
        '192.0.2.99': [['sniffer'], []],
      }, 'the previous version\'s shape, as written')
      const before = await db.selectFrom('attackers').select(['ip', 'deckies', 'traversal_path', 'event_count']).orderBy('ip').execute()

      const {error} = await migrator(db).migrateToLatest()
      assert.ifError(error)
      assert.deepEqual(await services(db), {
        // ssh's first contact is now the session's; the recorder keeps the skipped session's line
        [A]: [['auth-helper', 'bash', 'ssh', 'sessrec'], [[ts('00:01'), 2], [ts('00:02'), 3], [ts('00:03'), 4], [ts('00:04'), 5]]],
        [B]: [['telnet'], [[ts('00:06'), 8]]],
        [C]: [['ssh'], [[ts('00:05'), 11]]],
        '192.0.2.99': [['sniffer'], []],
      })
      assert.deepEqual(await db.selectFrom('attackers').select(['ip', 'deckies', 'traversal_path', 'event_count']).orderBy('ip').execute(), before, 'deckies, paths and counts as they were')

      await db.deleteFrom('attackers').where('ip', '=', '192.0.2.99').execute()
      await drain(db)
      const cold = await migratedDatabase(kind, t)
      await insertLogs(cold.db, [...BEFORE, ...AFTER])
      await drain(cold.db)
      const upgraded = await readProfiles(db)
      assert.deepEqual(upgraded, await readProfiles(cold.db))
      assert.deepEqual((await services(db))[A][0], ['auth-helper', 'bash', 'ssh', 'sessrec', 'telnet'])
      assert.deepEqual((await services(db))[D][0], [])
    })
  })
}
