/**
 * A tick's SMTP target sightings as `attacker_smtp_targets` rows: one per
 * (attacker, domain), with its `RCPT TO` count, accepted messages, event
 * times and log ids. Pure; merging into stored rows is the writer's
 * (`MergeUpsert` with `SMTP_TARGETS_MERGE`): counts add, times and ids widen. Folding A then B
 * therefore gives what folding A and B at once gives.
 */
import type {AttackerSmtpTargetsTable} from '../../db/schema.js'
import type {SmtpTargets} from '../../logs/mail.js'

import {widenRow} from './widen-row.js'

/** The SMTP targets a log line named, with the line's id and time. */
export interface SeenSmtpTargets {
  log_id: number
  timestamp: string
  targets: SmtpTargets
}

/**
 * Adds the sightings of attacker `ip` to `rows` (keyed by attacker and
 * domain, joined by NUL, which neither holds).
 *
 * @example
 * ```ts
 * const rows = new Map<string, AttackerSmtpTargetsTable>()
 * addSmtpTargets(rows, '203.0.113.7', folded.smtpTargets)
 * ```
 */
export function addSmtpTargets(rows: Map<string, AttackerSmtpTargetsTable>, ip: string, seen: readonly SeenSmtpTargets[]): void {
  for (const {log_id: id, targets, timestamp} of seen) {
    const attempts = targets.message ? 0 : 1
    const messages = targets.message ? 1 : 0
    for (const domain of targets.domains) {
      const key = `${ip}\u0000${domain}`
      const row = rows.get(key)
      if (row === undefined) {
        rows.set(key, {attacker_ip: ip, domain, count: attempts, messages, first_seen: timestamp, last_seen: timestamp, first_log_id: id, last_log_id: id})
        continue
      }

      row.count += attempts
      row.messages += messages
      widenRow(row, timestamp, id)
    }
  }
}
