/**
 * The read side of `attacker_fingerprints`: one attacker's fingerprints
 * (`decnet attackers show`), family by family.
 */
import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import type {Database, FingerprintRow} from '../db/schema.js'
import type {AttackerFingerprint} from './attacker-profile.js'

import {dialectOf} from '../db/dialect-of.js'
import {valuesIn} from '../db/values-in.js'
import {FINGERPRINT_TYPES} from '../logs/fingerprints/extract-fingerprints.js'

/** Fingerprints `decnet attackers show` carries at most (the most seen; `fingerprintCount` says how many there are). */
export const SHOW_FINGERPRINTS = 1000

const FAMILY_ORDER: ReadonlyMap<string, number> = new Map(FINGERPRINT_TYPES.map((type, i) => [type, i]))

/**
 * The fingerprints attacker `ip` showed, at most `limit` (the most seen,
 * then the latest), listed family by family (in `FINGERPRINT_TYPES` order),
 * the most seen first within a family.
 *
 * @example
 * ```ts
 * const shown = await readAttackerFingerprints(db, '203.0.113.7', SHOW_FINGERPRINTS)
 * ```
 */
export async function readAttackerFingerprints(db: Kysely<Database>, ip: string, limit: number): Promise<AttackerFingerprint[]> {
  const rows = await db
    .selectFrom('attacker_fingerprints')
    .selectAll()
    .where('attacker_ip', '=', ip)
    .orderBy('count', 'desc')
    .orderBy('last_seen', 'desc')
    .orderBy('type')
    .orderBy('value_sha256')
    .limit(limit)
    .execute()
  return byFamily(rows)
}

/**
 * What {@link readAttackerFingerprints} and {@link countAttackerFingerprints}
 * give for each of `ips` (a page of attackers, as the exports read them), in
 * one statement: the `limit` most seen of each, in the same order, and how
 * many each has. IPs without fingerprints are absent.
 *
 * @example
 * ```ts
 * const byIp = await readPageFingerprints(db, ['203.0.113.7', '2001:db8::1'], SHOW_FINGERPRINTS)
 * ```
 */
export async function readPageFingerprints(db: Kysely<Database>, ips: readonly string[], limit: number): Promise<Map<string, {count: number; list: AttackerFingerprint[]}>> {
  const byIp = new Map<string, {count: number; rows: FingerprintRow[]}>()
  if (ips.length === 0) return new Map()
  const {rows} = await sql<FingerprintRow & {rn: number | string; total: number | string}>`
    select * from (
      select f.*,
        row_number() over (partition by attacker_ip order by count desc, last_seen desc, type, value_sha256) as rn,
        count(*) over (partition by attacker_ip) as total
      from attacker_fingerprints f where ${valuesIn(dialectOf(db), 'attacker_ip', ips)}
    ) r where rn <= ${Math.max(1, limit)} order by attacker_ip, rn`.execute(db)
  for (const row of rows) {
    let entry = byIp.get(row.attacker_ip)
    if (entry === undefined) byIp.set(row.attacker_ip, (entry = {count: Number(row.total), rows: []}))
    if (Number(row.rn) <= limit) entry.rows.push(row)
  }

  return new Map([...byIp].map(([ip, {count, rows: list}]) => [ip, {count, list: byFamily(list)}]))
}

/** Rows (the most seen first) listed family by family, in `FINGERPRINT_TYPES` order. */
function byFamily(rows: FingerprintRow[]): AttackerFingerprint[] {
  const rank = (type: string) => FAMILY_ORDER.get(type) ?? FAMILY_ORDER.size
  // a stable sort keeps the most seen first within a family
  return rows.sort((a, b) => rank(a.type) - rank(b.type)).map((row) => attackerFingerprint(row))
}

/** How many fingerprint rows attacker `ip` has. */
export async function countAttackerFingerprints(db: Kysely<Database>, ip: string): Promise<number> {
  const row = await db
    .selectFrom('attacker_fingerprints')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('attacker_ip', '=', ip)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

function attackerFingerprint(row: FingerprintRow): AttackerFingerprint {
  let details: Record<string, unknown> = {}
  try {
    const parsed: unknown = JSON.parse(row.details)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) details = parsed as Record<string, unknown>
  } catch {
    // a damaged row shows no details rather than failing the whole profile
  }

  // keys in the documented order, which JSON output keeps
  return {type: row.type, value: row.value, count: Number(row.count), firstSeen: row.first_seen, lastSeen: row.last_seen, details}
}
