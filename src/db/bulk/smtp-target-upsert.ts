/**
 * Merges a tick's `attacker_smtp_targets` rows into the stored ones: a new
 * (attacker, domain) is inserted; an existing one adds its counts and widens
 * its times and log ids. A row whose lines the stored row already holds (its
 * `first_log_id` is not past the stored `last_log_id`: a replay) changes
 * nothing. Row by row through one prepared statement on SQLite, all at once on
 * PostgreSQL (see `BulkUpsert`), as `FingerprintUpsert` does.
 */
import type {Transaction} from 'kysely'

import type {DialectName} from '../dialect-of.js'
import type {AttackerSmtpTargetsTable, Database} from '../schema.js'
import type {PostgresBulkWrite, PostgresWrite} from './bulk-upsert.js'
import type {UpsertColumns} from './upsert-columns.js'

import {perRowQuery} from '../per-row-query.js'
import {objectRows} from '../row-parameters.js'
import {postgresQuery, PostgresRowsSource} from './bulk-upsert.js'

const COLUMNS = [
  ['attacker_ip', 'text'], ['domain', 'text'], ['count', 'bigint'], ['messages', 'bigint'],
  ['first_seen', 'text'], ['last_seen', 'text'], ['first_log_id', 'bigint'], ['last_log_id', 'bigint'],
] as const satisfies UpsertColumns<AttackerSmtpTargetsTable>

const KEY = ['attacker_ip', 'domain'] as const

/**
 * The writer of `attacker_smtp_targets` rows for one dialect.
 *
 * @example
 * ```ts
 * const targets = new SmtpTargetUpsert('sqlite')
 * await targets.write(trx, rows)
 * ```
 */
export class SmtpTargetUpsert implements PostgresBulkWrite<AttackerSmtpTargetsTable> {
  readonly #dialect: DialectName
  readonly #sql: string
  readonly #postgres: PostgresRowsSource<AttackerSmtpTargetsTable>

  constructor(dialect: DialectName) {
    this.#dialect = dialect
    const names = COLUMNS.map(([name]) => `"${name}"`).join(', ')
    const [least, greatest] = dialect === 'postgres' ? ['least', 'greatest'] : ['min', 'max']
    const stored = (column: string) => `"attacker_smtp_targets"."${column}"`
    const head = `insert into "attacker_smtp_targets" (${names}) `
    const tail =
      ` on conflict (${KEY.map((name) => `"${name}"`).join(', ')}) do update set` +
      ` "count" = ${stored('count')} + excluded."count",` +
      ` "messages" = ${stored('messages')} + excluded."messages",` +
      ` "first_seen" = ${least}(${stored('first_seen')}, excluded."first_seen"),` +
      ` "last_seen" = ${greatest}(${stored('last_seen')}, excluded."last_seen"),` +
      ` "last_log_id" = excluded."last_log_id"` +
      ` where ${stored('last_log_id')} < excluded."first_log_id"`
    this.#postgres = new PostgresRowsSource(COLUMNS, (source) => `${head}select ${names} from ${source}${tail}`)
    this.#sql = `${head}values (${COLUMNS.map(() => '?').join(', ')})${tail}`
  }

  /** Merges every row (each key at most once); returns how many rows were inserted or updated. */
  async write(trx: Transaction<Database>, rows: readonly AttackerSmtpTargetsTable[]): Promise<number> {
    if (rows.length === 0) return 0
    const names = COLUMNS.map(([name]) => name)
    const query = this.#dialect === 'postgres' ? postgresQuery(this.postgresWrite(rows, 1)) : perRowQuery(this.#sql, objectRows(rows, names))
    const result = await trx.executeQuery(query)
    return Number(result.numAffectedRows ?? 0)
  }

  postgresWrite(rows: readonly AttackerSmtpTargetsTable[], parameter: number): PostgresWrite {
    return this.#postgres.write(rows, parameter)
  }
}
