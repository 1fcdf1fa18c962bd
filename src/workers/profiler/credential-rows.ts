/**
 * A tick's credential sightings as `credentials` rows: one per (attacker,
 * decky, service, kind, secret, principal), with its attempts, outcomes,
 * event times and log ids. Pure; merging into stored rows is the writer's
 * (`CREDENTIALS_MERGE`): counts add, times and ids widen, the first domain
 * stands. Folding A then B therefore gives what folding A and B at once gives.
 */
import type {CredentialsTable} from '../../db/schema.js'
import type {Credential} from '../../logs/credential.js'

import {widenRow} from './widen-row.js'

/** A credential a log line carried, with the line's id, time, decky and service. */
export interface SeenCredential {
  log_id: number
  timestamp: string
  decky: string
  service: string
  credential: Credential
}

/**
 * Adds sightings to `rows` (keyed by {@link credentialKey}), for attacker
 * `ip` (`''`: none named). Sightings come in log order.
 *
 * @example
 * ```ts
 * const rows = new Map<string, CredentialsTable>()
 * addCredentials(rows, '203.0.113.7', folded.credentials)
 * await credentialUpsert.write(trx, [...rows.values()])
 * ```
 */
export function addCredentials(rows: Map<string, CredentialsTable>, ip: string, seen: readonly SeenCredential[]): void {
  for (const {credential: c, decky, log_id: id, service, timestamp} of seen) {
    const principal = c.principal ?? ''
    const key = credentialKey(ip, decky, service, c.secretKind, c.secretSha256, principal)
    const row = rows.get(key)
    const successes = c.outcome === 'success' ? 1 : 0
    const failures = c.outcome === 'failure' ? 1 : 0
    if (row === undefined) {
      rows.set(key, {
        attacker_ip: ip,
        decky,
        service,
        secret_kind: c.secretKind,
        secret_sha256: c.secretSha256,
        principal,
        secret_b64: c.secretB64,
        secret_bytes: c.secretBytes,
        domain: c.domain,
        attempts: 1,
        successes,
        failures,
        first_seen: timestamp,
        last_seen: timestamp,
        first_log_id: id,
        last_log_id: id,
      })
      continue
    }

    row.attempts++
    row.successes += successes
    row.failures += failures
    widenRow(row, timestamp, id)
    row.domain ??= c.domain
  }
}

/** The identity of a credentials row, as one string (its parts joined by NUL, which none holds). */
export function credentialKey(ip: string, decky: string, service: string, kind: string, sha256: string, principal: string): string {
  return `${ip}\u0000${decky}\u0000${service}\u0000${kind}\u0000${sha256}\u0000${principal}`
}
