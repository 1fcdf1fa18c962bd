/**
 * How a tick's `attacker_smtp_targets` rows merge into the stored ones (see
 * `MergeUpsert`): the RCPT and message counts add, times and log ids widen.
 */
import type {AttackerSmtpTargetsTable} from '../schema.js'
import type {MergeTable} from './merge-upsert.js'

/** The `attacker_smtp_targets` table as `MergeUpsert` writes it. */
export const SMTP_TARGETS_MERGE: MergeTable<AttackerSmtpTargetsTable> = {
  table: 'attacker_smtp_targets',
  columns: [
    ['attacker_ip', 'text'], ['domain', 'text'], ['count', 'bigint'], ['messages', 'bigint'],
    ['first_seen', 'text'], ['last_seen', 'text'], ['first_log_id', 'bigint'], ['last_log_id', 'bigint'],
  ],
  key: ['attacker_ip', 'domain'],
  sums: ['count', 'messages'],
}
