/**
 * The read side of `attacker_fingerprints`: one attacker's fingerprints
 * (`decnet attackers show`), family by family.
 */
import type {Kysely} from 'kysely'

import type {Database, FingerprintRow} from '../db/schema.js'
import type {AttackerFingerprint} from './attacker-profile.js'

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
