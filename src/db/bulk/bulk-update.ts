/**
 * UPDATE of many rows known to exist, by key. For the profiler's attackers
 * that a tick read: a plain update skips the speculative insert an upsert
 * tries first. SQLite: one prepared single-row `update ... where key = ?`
 * run once per row (a `PerRowQuery`); PostgreSQL: one `update ... from` the
 * rows as one parameter (see `PostgresRowsSource`).
 */
import type {Transaction} from 'kysely'

import type {DialectName} from '../dialect-of.js'
import type {Database} from '../schema.js'
import type {PostgresBulkWrite, PostgresWrite} from './bulk-upsert.js'
import type {UpsertColumns} from './upsert-columns.js'

import {objectRows} from '../row-parameters.js'
import {perRowQuery} from '../per-row-query.js'
import {PostgresRowsSource, postgresQuery} from './bulk-upsert.js'

/**
 * Updates rows of one table by key: row by row through one prepared
 * statement on SQLite, all at once on PostgreSQL. Rows whose key is missing
 * are skipped, not inserted.
 *
 * @example
 * ```ts
 * const counters = new BulkUpdate('postgres', 'attackers', [['ip', 'text'], ['event_count', 'bigint']], 'ip')
 * const updated = await counters.write(trx, rows)
 * ```
 */
export class BulkUpdate<Row extends object> implements PostgresBulkWrite<Row> {
  /** The columns in the order the statement binds them. */
  readonly #bound: ReadonlyArray<keyof Row & string>
  readonly #dialect: DialectName
  /** SQLite's statement. */
  readonly #sql: string
  readonly #postgres: PostgresRowsSource<Row>

  constructor(dialect: DialectName, table: string, columns: UpsertColumns<Row>, key: keyof Row & string) {
    this.#dialect = dialect
    const names = columns.map(([name]) => name)
    if (!names.includes(key)) throw new Error(`the key "${key}" of ${table} must be one of its columns`)
    const others = names.filter((name) => name !== key)
    this.#postgres = new PostgresRowsSource(
      columns,
      (source) => `update "${table}" set ${others.map((name) => `"${name}" = v."${name}"`).join(', ')} from ${source} where "${table}"."${key}" = v."${key}"`,
    )
    this.#bound = Object.freeze([...others, key])
    this.#sql = `update "${table}" set ${others.map((name) => `"${name}" = ?`).join(', ')} where "${key}" = ?`
  }

  /** Updates every row; returns how many rows were updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0
    const query = this.#dialect === 'postgres' ? postgresQuery(this.postgresWrite(rows, 1)) : perRowQuery(this.#sql, objectRows(rows, this.#bound))
    const result = await trx.executeQuery(query)
    return Number(result.numAffectedRows ?? 0)
  }

  postgresWrite(rows: readonly Row[], parameter: number): PostgresWrite {
    return this.#postgres.write(rows, parameter)
  }
}
