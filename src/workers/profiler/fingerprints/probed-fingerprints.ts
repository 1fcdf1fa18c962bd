/**
 * Fingerprints of prober lines (§1.13): the prober probes the attacker, so
 * its lines name the attacker as `target_ip`, not as a source, and ingest
 * stores them with no attacker. Their fingerprints are the attacker's all
 * the same. Such lines have no attacker row whose `last_log_id` keeps a
 * replay (a cursor moved back) from counting them twice, so a mark in
 * `worker_state` does: the last log id whose probe is stored.
 */
import type {Transaction} from 'kysely'

import type {AttackerFingerprintsTable, Database} from '../../../db/schema.js'
import type {LogSemantics} from '../fold.js'
import type {TickLine} from '../read/read-lines.js'
import type {SeenFingerprint} from './fingerprint-rows.js'
import type {TrustedProxies} from './trusted-proxies.js'

import {addFingerprints, fingerprintKey} from './fingerprint-rows.js'

/** The suffix of the `worker_state` row (after the cursor's name) holding the last log id of a prober line whose fingerprints are stored. */
export const PROBED_SUFFIX = ':probed'

/**
 * `planned` (a tick's fingerprint rows) with the fingerprints of its prober
 * lines naming no attacker added, those at or below the mark left out; and
 * the mark to record afterwards (undefined: none moved).
 */
export async function withProbedFingerprints(
  trx: Transaction<Database>,
  lines: readonly TickLine[],
  semantics: LogSemantics,
  options: {mark: string; planned: readonly AttackerFingerprintsTable[]; trusted?: TrustedProxies},
): Promise<{last?: number; rows: AttackerFingerprintsTable[]}> {
  const byIp = new Map<string, SeenFingerprint[]>()
  let first: number | undefined
  for (const line of lines) {
    if (line.attacker_ip) continue
    const {fingerprints, probed} = line.meaning ?? semantics.describe(line)
    if (probed === undefined || fingerprints === undefined) continue
    first ??= line.id
    let seen = byIp.get(probed)
    if (seen === undefined) byIp.set(probed, (seen = []))
    for (const fingerprint of fingerprints) seen.push({fingerprint, log_id: line.id, timestamp: line.timestamp})
  }

  if (first === undefined) return {rows: [...options.planned]}
  const stored = await trx.selectFrom('worker_state').select('cursor').where('worker', '=', options.mark).executeTakeFirst()
  const after = Number(stored?.cursor ?? 0)
  const rows = new Map(options.planned.map((row) => [fingerprintKey(row.attacker_ip, row.type, row.value_sha256), {...row}]))
  let last: number | undefined
  for (const [ip, seen] of byIp) {
    const fresh = seen.filter((sighting) => sighting.log_id > after)
    if (fresh.length === 0) continue
    addFingerprints(rows, ip, fresh, options.trusted)
    last = Math.max(last ?? 0, fresh.at(-1)!.log_id)
  }

  return last === undefined ? {rows: [...options.planned]} : {last, rows: [...rows.values()]}
}

/** Records `last` as the last log id of a prober line whose fingerprints are stored. */
export async function markProbed(trx: Transaction<Database>, mark: string, last: number): Promise<void> {
  const now = new Date().toISOString()
  await trx
    .insertInto('worker_state')
    .values({cursor: last, updated_at: now, worker: mark})
    .onConflict((oc) => oc.column('worker').doUpdateSet({cursor: last, updated_at: now}))
    .execute()
}
