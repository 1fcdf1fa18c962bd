/**
 * How a tick's `attacker_fingerprints` rows merge into the stored ones (see
 * `MergeUpsert`): the count adds, times and log ids widen, and the details
 * stay those of the fingerprint's first line.
 */
import type {AttackerFingerprintsTable} from '../schema.js'
import type {MergeTable} from './merge-upsert.js'

/** The `attacker_fingerprints` table as `MergeUpsert` writes it. */
export const FINGERPRINTS_MERGE: MergeTable<AttackerFingerprintsTable> = {
  table: 'attacker_fingerprints',
  columns: [
    ['attacker_ip', 'text'], ['type', 'text'], ['value_sha256', 'text'], ['value', 'text'], ['details', 'text'], ['count', 'bigint'],
    ['first_seen', 'text'], ['last_seen', 'text'], ['first_log_id', 'bigint'], ['last_log_id', 'bigint'],
  ],
  key: ['attacker_ip', 'type', 'value_sha256'],
  sums: ['count'],
}
