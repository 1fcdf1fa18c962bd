/**
 * Inserts tags (and the failed logins the brute-force look-back reads),
 * skipping those already there, through {@link BulkUpsert}: one prepared
 * single-row statement run row by row on SQLite, one statement with the rows
 * as a JSON parameter on PostgreSQL.
 */
import type {Transaction} from 'kysely'

import type {DialectName} from '../../db/dialect-of.js'
import type {Database, NewAuthFailure, NewTtpTag} from '../../db/schema.js'
import type {UpsertColumns} from '../../db/bulk/upsert-columns.js'
import type {AuthFailure} from '../../ttp/brute-force.js'

import {dialectOf} from '../../db/dialect-of.js'
import {BulkUpsert} from '../../db/bulk/bulk-upsert.js'

const TAG_COLUMNS: UpsertColumns<NewTtpTag> = [
  ['id', 'text'], ['log_id', 'bigint'], ['attacker_ip', 'text'], ['rule_id', 'text'], ['rule_version', 'integer'], ['tactic', 'text'],
  ['technique_id', 'text'], ['sub_technique_id', 'text'], ['confidence', 'double precision'], ['evidence', 'text'], ['timestamp', 'text'],
  ['attack_version', 'text'],
]
const FAILURE_COLUMNS: UpsertColumns<NewAuthFailure> = [['log_id', 'bigint'], ['ip', 'text'], ['timestamp', 'text'], ['principal', 'text'], ['secret_sha256', 'text']]

/**
 * Writes tags into `ttp_tags` and failed logins into `auth_failures`,
 * skipping those already there; returns how many were inserted.
 *
 * @example
 * ```ts
 * const writer = new TagWriter()
 * await db.transaction().execute(async (trx) => {
 *   await writer.write(trx, tags)
 *   await writer.writeFailures(trx, failures)
 * })
 * ```
 */
export class TagWriter {
  readonly #tags = new Map<DialectName, BulkUpsert<NewTtpTag>>()
  readonly #failures = new Map<DialectName, BulkUpsert<NewAuthFailure>>()

  /** Records failed logins for later look-backs (`auth_failures`), skipping those already there; returns how many were inserted. */
  async writeFailures(trx: Transaction<Database>, failures: readonly AuthFailure[]): Promise<number> {
    if (failures.length === 0) return 0
    const rows = failures.map(({id, ip, principal, secretSha256, timestamp}) => ({ip, log_id: id, principal: principal ?? null, secret_sha256: secretSha256 ?? null, timestamp}))
    // in (ip, timestamp) order, the index inserts land on neighbouring pages (measured: about 20% cheaper on SQLite)
    rows.sort(byIpThenTime)
    return upsertFor(this.#failures, dialectOf(trx), 'auth_failures', FAILURE_COLUMNS).write(trx, rows)
  }

  /** Records tags (`ttp_tags`), skipping those already there; returns how many were inserted. */
  async write(trx: Transaction<Database>, tags: readonly NewTtpTag[]): Promise<number> {
    return upsertFor(this.#tags, dialectOf(trx), 'ttp_tags', TAG_COLUMNS).write(trx, tags)
  }
}

/** The writer of `table` for `dialect`, made on first use (its SQL is built once). */
function upsertFor<Row extends object>(
  cache: Map<DialectName, BulkUpsert<Row>>,
  dialect: DialectName,
  table: string,
  columns: UpsertColumns<Row>,
): BulkUpsert<Row> {
  let upsert = cache.get(dialect)
  if (upsert === undefined) cache.set(dialect, (upsert = new BulkUpsert(dialect, table, columns, columns[0][0], 'nothing')))
  return upsert
}

function byIpThenTime(a: NewAuthFailure, b: NewAuthFailure): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0
}
