/**
 * A tick's fingerprint sightings as `attacker_fingerprints` rows: one per
 * (attacker, family, value), with its count, event times, log ids and the
 * details of its first line. Pure; merging into stored rows is the writer's
 * (`FINGERPRINTS_MERGE`): counts add, times and ids widen, the stored details
 * stand. Folding A then B therefore gives what folding A and B at once gives.
 */
import type {AttackerFingerprintsTable} from '../../../db/schema.js'
import type {Fingerprint} from '../../../logs/fingerprints/extract-fingerprints.js'
import type {TrustedProxies} from './trusted-proxies.js'

import {CLAIM_TYPES} from '../../../logs/fingerprints/extract-fingerprints.js'
import {widenRow} from '../widen-row.js'

/** A fingerprint a log line carried, with the line's id and time. */
export interface SeenFingerprint {
  log_id: number
  timestamp: string
  fingerprint: Fingerprint
}

/**
 * Adds sightings of attacker `ip` to `rows` (keyed by {@link fingerprintKey}).
 * A proxy-header claim (`ip_leak`, `spoofed_source`) counts only when it
 * names another address than `ip` and `ip` is no trusted proxy.
 *
 * @example
 * ```ts
 * const rows = new Map<string, AttackerFingerprintsTable>()
 * addFingerprints(rows, '203.0.113.7', folded.fingerprints)
 * await fingerprintUpsert.write(trx, [...rows.values()])
 * ```
 */
export function addFingerprints(
  rows: Map<string, AttackerFingerprintsTable>,
  ip: string,
  seen: readonly SeenFingerprint[],
  trusted?: TrustedProxies,
): number {
  let added = 0
  for (const {fingerprint: f, log_id: id, timestamp} of seen) {
    if (CLAIM_TYPES.has(f.type) && (f.value === ip || trusted?.has(ip) === true)) continue
    added++
    const key = fingerprintKey(ip, f.type, f.valueSha256)
    const row = rows.get(key)
    if (row === undefined) {
      rows.set(key, {
        attacker_ip: ip,
        type: f.type,
        value_sha256: f.valueSha256,
        value: f.value,
        details: JSON.stringify(f.details),
        count: 1,
        first_seen: timestamp,
        last_seen: timestamp,
        first_log_id: id,
        last_log_id: id,
      })
      continue
    }

    row.count++
    // the details are the first line's, whichever order the sightings came in
    if (widenRow(row, timestamp, id)) row.details = JSON.stringify(f.details)
  }

  return added
}

/** The identity of an `attacker_fingerprints` row, as one string (its parts joined by NUL, which none holds). */
export function fingerprintKey(ip: string, type: string, valueSha256: string): string {
  return `${ip}\u0000${type}\u0000${valueSha256}`
}
