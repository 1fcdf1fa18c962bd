/**
 * How a tick's `credentials` rows merge into the stored ones (see
 * `MergeUpsert`): counts add, times and log ids widen, and the first domain
 * stays.
 */
import type {CredentialsTable} from '../schema.js'
import type {MergeTable} from './merge-upsert.js'

/** The `credentials` table as `MergeUpsert` writes it. */
export const CREDENTIALS_MERGE: MergeTable<CredentialsTable> = {
  table: 'credentials',
  columns: [
    ['attacker_ip', 'text'], ['decky', 'text'], ['service', 'text'], ['secret_kind', 'text'], ['secret_sha256', 'text'],
    ['principal', 'text'], ['secret_b64', 'text'], ['secret_bytes', 'bigint'], ['domain', 'text'], ['attempts', 'bigint'],
    ['successes', 'bigint'], ['failures', 'bigint'], ['first_seen', 'text'], ['last_seen', 'text'], ['first_log_id', 'bigint'],
    ['last_log_id', 'bigint'],
  ],
  key: ['attacker_ip', 'decky', 'service', 'secret_kind', 'secret_sha256', 'principal'],
  sums: ['attempts', 'successes', 'failures'],
  keepFirst: ['domain'],
}
