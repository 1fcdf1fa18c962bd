/**
 * The writer behind the profiler's merged tables (`credentials`,
 * `attacker_fingerprints`): a tick's rows are merged into the stored ones. A
 * new key is inserted; an existing one adds its counts, widens its first and
 * last seen, keeps its first non-null value of the columns named so, and
 * moves its `last_log_id` on. A row whose lines the stored row already holds
 * (its `first_log_id` is not past the stored `last_log_id`: a replay)
 * changes nothing. Row by row through one prepared statement on SQLite, all
 * at once on PostgreSQL (see `BulkUpsert`).
 */
import type {Transaction} from 'kysely'

import type {DialectName} from '../dialect-of.js'
import type {Database} from '../schema.js'
import type {PostgresBulkWrite, PostgresWrite} from './bulk-upsert.js'
import type {UpsertColumns} from './upsert-columns.js'

import {perRowQuery} from '../per-row-query.js'
import {objectRows} from '../row-parameters.js'
import {postgresQuery, PostgresRowsSource} from './bulk-upsert.js'

/** The columns every merged table has: when, and up to which log line, its row was seen. */
export interface MergedRow {
  first_seen: string
  last_seen: string
  first_log_id: number | string
  last_log_id: number | string
}

/** What a merged table is: its columns, its key, and how a stored row takes a new one in. */
export interface MergeTable<Row extends MergedRow> {
  readonly table: keyof Database
  /** Every column written, in order, with its SQL type. */
  readonly columns: UpsertColumns<Row>
  /** The unique key a row merges on. */
  readonly key: ReadonlyArray<keyof Row & string>
  /** Counts: the stored value plus the new one. */
  readonly sums: ReadonlyArray<keyof Row & string>
  /** Values the stored row keeps once it has one (the first non-null). */
  readonly keepFirst?: ReadonlyArray<keyof Row & string>
}

/**
 * The writer of one merged table's rows for one dialect.
 *
 * @example
 * ```ts
 * const credentials = new MergeUpsert('sqlite', CREDENTIALS)
 * await credentials.write(trx, rows)
 * ```
 */
export class MergeUpsert<Row extends MergedRow> implements PostgresBulkWrite<Row> {
  readonly #dialect: DialectName
  readonly #names: ReadonlyArray<keyof Row & string>
  readonly #sql: string
  readonly #postgres: PostgresRowsSource<Row>

  constructor(dialect: DialectName, spec: MergeTable<Row>) {
    this.#dialect = dialect
    this.#names = spec.columns.map(([name]) => name)
    const names = this.#names.map((name) => `"${name}"`).join(', ')
    const [least, greatest] = dialect === 'postgres' ? ['least', 'greatest'] : ['min', 'max']
    const stored = (column: string) => `"${spec.table}"."${column}"`
    const sets = [
      ...spec.sums.map((column) => `"${column}" = ${stored(column)} + excluded."${column}"`),
      `"first_seen" = ${least}(${stored('first_seen')}, excluded."first_seen")`,
      `"last_seen" = ${greatest}(${stored('last_seen')}, excluded."last_seen")`,
      ...(spec.keepFirst ?? []).map((column) => `"${column}" = coalesce(${stored(column)}, excluded."${column}")`),
      `"last_log_id" = excluded."last_log_id"`,
    ]
    const head = `insert into "${spec.table}" (${names}) `
    const tail =
      ` on conflict (${spec.key.map((name) => `"${name}"`).join(', ')}) do update set ${sets.join(', ')}` +
      ` where ${stored('last_log_id')} < excluded."first_log_id"`
    this.#postgres = new PostgresRowsSource(spec.columns, (source) => `${head}select ${names} from ${source}${tail}`)
    this.#sql = `${head}values (${spec.columns.map(() => '?').join(', ')})${tail}`
  }

  /** Merges every row (each key at most once); returns how many rows were inserted or updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0
    const query = this.#dialect === 'postgres' ? postgresQuery(this.postgresWrite(rows, 1)) : perRowQuery(this.#sql, objectRows(rows, this.#names))
    const result = await trx.executeQuery(query)
    return Number(result.numAffectedRows ?? 0)
  }

  postgresWrite(rows: readonly Row[], parameter: number): PostgresWrite {
    return this.#postgres.write(rows, parameter)
  }
}
