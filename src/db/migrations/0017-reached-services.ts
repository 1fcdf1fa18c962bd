import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import {dialectOf} from '../dialect-of.js'
import {isServiceName0017, isSession0017, reachedService0017, SESSION_LIKE} from './0017-reached-services-rule.js'

/** Attacker rows read and rewritten at a time. */
const PAGE = 2000
/** Attackers whose lines are read back in one statement. */
const IP_CHUNK = 500

/** A first contact as stored: `[timestamp, logId]`. */
type Key = [string, number]

/** A log line that counts for another service than its own (see {@link reachedService0017}). */
interface MovedLine {
  id: number
  timestamp: string
  /** The line's own service. */
  from: string
  /** The service it counts for; `''`: none. */
  to: string
}

/**
 * An attacker's `services` become the services it reached (see
 * 0017-reached-services-rule.ts): DECNET's sniffer, prober, correlator,
 * tarpit and mutator leave the list, and a recorded session's line counts
 * for the session's own service (`ssh`, `telnet`) rather than for its
 * recorder (`sessrec`). The first contacts of `services` in
 * `first_contacts` follow, position for position, so that an upgraded
 * database holds what a profiler of this version would have built from
 * the same lines (the lines up to each attacker's `last_log_id`).
 *
 * Dropping a producer's name needs no log line: its lines counted for it
 * alone. A session line's service needs its fields, and the first contact
 * left to its own service (`sessrec`) needs that service's other lines: they
 * are read back from `logs`, for the few attackers with recorded sessions.
 * Finding those lines reads `logs` whole once (`logs` has no index on the
 * event type). Rows whose first contacts do not fit their names (not
 * written by the profiler) are left as they are. Deckies, traversal paths
 * and event counts do not change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // A profiler of the previous version may be ticking: keep its cursor still
  // until this migration commits. (SQLite: the migration holds the write lock.)
  if (dialectOf(db) === 'postgres') await db.selectFrom('worker_state').select('cursor').where('worker', '=', 'profiler').forUpdate().execute()
  const moved = await movedLines(db)
  const left = await keysLeft(db, moved)
  let after = ''
  for (;;) {
    const rows = await db
      .selectFrom('attackers')
      .select(['ip', 'services', 'first_contacts', 'last_log_id'])
      .where('ip', '>', after)
      .orderBy('ip')
      .limit(PAGE)
      .execute()
    if (rows.length === 0) break
    after = rows.at(-1)!.ip as string
    for (const row of rows) {
      const rewritten = reachedServices(row, moved.get(row.ip as string), left.get(row.ip as string))
      if (rewritten !== undefined) await db.updateTable('attackers').set(rewritten).where('ip', '=', row.ip).execute()
    }
  }
}

/** Leaves the rows as they are: the previous version reads them (it adds the producers' names again as their lines come). */
export async function down(): Promise<void> {}

/** The session lines that count for another service than their own, by attacker, in log order. */
async function movedLines(db: Kysely<any>): Promise<Map<string, MovedLine[]>> {
  const lines = await db
    .selectFrom('logs')
    .select(['id', 'attacker_ip', 'timestamp', 'service', 'event_type', 'fields'])
    .where(sql<boolean>`lower(event_type) like ${SESSION_LIKE}`)
    .orderBy('id')
    .execute()
  const moved = new Map<string, MovedLine[]>()
  for (const line of lines) {
    const ip = line.attacker_ip as null | string
    const from = line.service as string
    if (!ip || !isServiceName0017(from) || !isSession0017(line.event_type as string)) continue
    const to = reachedService0017({event_type: line.event_type as string, fields: line.fields as null | string, service: from})
    if (to === from) continue
    let mine = moved.get(ip)
    if (mine === undefined) moved.set(ip, (mine = []))
    mine.push({from, id: Number(line.id), timestamp: line.timestamp as string, to})
  }

  return moved
}

/**
 * For each attacker with moved lines, the first contact of each service a
 * moved line came from, over that service's lines that stay (up to the
 * attacker's `last_log_id`); a service none stay for is absent.
 */
async function keysLeft(db: Kysely<any>, moved: ReadonlyMap<string, readonly MovedLine[]>): Promise<Map<string, Map<string, Key>>> {
  const left = new Map<string, Map<string, Key>>()
  const ips = [...moved.keys()]
  for (let start = 0; start < ips.length; start += IP_CHUNK) {
    const chunk = ips.slice(start, start + IP_CHUNK)
    const services = [...new Set(chunk.flatMap((ip) => moved.get(ip)!.map((line) => line.from)))]
    const lastIds = new Map<string, number>()
    for (const row of await db.selectFrom('attackers').select(['ip', 'last_log_id']).where('ip', 'in', chunk).execute()) {
      lastIds.set(row.ip as string, Number(row.last_log_id))
    }

    const movedIds = new Set(chunk.flatMap((ip) => moved.get(ip)!.map((line) => line.id)))
    const lines = await db
      .selectFrom('logs')
      .select(['id', 'attacker_ip', 'timestamp', 'service'])
      .where('attacker_ip', 'in', chunk)
      .where('service', 'in', services)
      .execute()
    for (const line of lines) {
      const ip = line.attacker_ip as string
      const id = Number(line.id)
      if (movedIds.has(id) || id > (lastIds.get(ip) ?? 0)) continue
      let keys = left.get(ip)
      if (keys === undefined) left.set(ip, (keys = new Map()))
      const key: Key = [line.timestamp as string, id]
      const known = keys.get(line.service as string)
      if (known === undefined || before(key, known)) keys.set(line.service as string, key)
    }
  }

  return left
}

/**
 * The `services` and `first_contacts` of `row` with the services it
 * reached; undefined when they do not change (or do not fit: not the
 * profiler's).
 */
function reachedServices(
  row: {first_contacts: string; last_log_id: unknown; services: string},
  moved: readonly MovedLine[] | undefined,
  left: ReadonlyMap<string, Key> | undefined,
): undefined | {first_contacts: string; services: string} {
  const stored = storedContacts(row)
  if (stored === undefined) return undefined
  const keys = new Map<string, Key>()
  for (const [i, name] of stored.names.entries()) if (isServiceName0017(name)) keys.set(name, stored.services[i])
  const lastLogId = Number(row.last_log_id)
  const mine = (moved ?? []).filter((line) => line.id <= lastLogId)
  for (const from of new Set(mine.map((line) => line.from))) {
    const key = left?.get(from)
    if (key === undefined) keys.delete(from)
    else keys.set(from, key)
  }

  for (const line of mine) {
    if (line.to === '') continue
    const key: Key = [line.timestamp, line.id]
    const known = keys.get(line.to)
    if (known === undefined || before(key, known)) keys.set(line.to, key)
  }

  const sorted = [...keys].sort(([, a], [, b]) => (before(a, b) ? -1 : before(b, a) ? 1 : 0))
  const services = JSON.stringify(sorted.map(([name]) => name))
  const serviceKeys = sorted.map(([, key]) => key)
  if (services === row.services && JSON.stringify(serviceKeys) === JSON.stringify(stored.services)) return undefined
  return {first_contacts: JSON.stringify({deckies: stored.deckies, services: serviceKeys}), services}
}

/** A row's service names and first contacts (and its deckies'), when they fit one for one as the profiler writes them. */
function storedContacts(row: {first_contacts: string; services: string}): undefined | {deckies: Key[]; names: string[]; services: Key[]} {
  let names: unknown
  let contacts: unknown
  try {
    names = JSON.parse(row.services)
    contacts = JSON.parse(row.first_contacts)
  } catch {
    return undefined // not the profiler's: left as it is
  }

  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) return undefined
  if (contacts === null || typeof contacts !== 'object') return undefined
  const {deckies, services} = contacts as {deckies?: unknown; services?: unknown}
  if (!isKeyList(deckies) || !isKeyList(services) || services.length !== names.length) return undefined
  return {deckies, names, services}
}

function isKeyList(value: unknown): value is Key[] {
  return Array.isArray(value) && value.every((k) => Array.isArray(k) && typeof k[0] === 'string' && typeof k[1] === 'number')
}

/** True when first contact `a` came strictly before `b`: event time, then log id. */
function before(a: Key, b: Key): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])
}
