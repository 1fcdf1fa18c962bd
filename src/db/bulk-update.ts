/**
 * UPDATE of many rows known to exist, by key. For the profiler's attackers
 * that a tick read: a plain update skips the speculative insert an upsert
 * tries first. SQLite: one prepared single-row `update ... where key = ?`
 * run once per row (`RUN_PER_ROW`); PostgreSQL: one `update ... from
 * json_to_recordset($1)` (see `jsonRecords`).
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from './dialect-of.js'
import type {Database} from './schema.js'
import type {PostgresBulkWrite, UpsertColumns} from './bulk-upsert.js'

import {objectRows} from './row-parameters.js'
import {RUN_PER_ROW} from './sqlite-driver.js'
import {jsonRecords, recordsJson} from './bulk-upsert.js'

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
  readonly #sql: string
  readonly #statement: (parameter: number) => string

  constructor(dialect: DialectName, table: string, columns: UpsertColumns<Row>, key: keyof Row & string) {
    this.#dialect = dialect
    const names = columns.map(([name]) => name)
    if (!names.includes(key)) throw new Error(`the key "${key}" of ${table} must be one of its columns`)
    const others = names.filter((name) => name !== key)
    this.#statement = (parameter) =>
      `update "${table}" set ${others.map((name) => `"${name}" = v."${name}"`).join(', ')}` +
      ` from ${jsonRecords(columns, parameter)} where "${table}"."${key}" = v."${key}"`
    if (dialect === 'postgres') {
      this.#bound = Object.freeze(names)
      this.#sql = this.#statement(1)
    } else {
      this.#bound = Object.freeze([...others, key])
      this.#sql = `${RUN_PER_ROW}update "${table}" set ${others.map((name) => `"${name}" = ?`).join(', ')} where "${key}" = ?`
    }
  }

  /** Updates every row; returns how many rows were updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0
    const parameters = this.#dialect === 'postgres' ? [this.postgresParameter(rows)] : [objectRows(rows, this.#bound)]
    const result = await trx.executeQuery(CompiledQuery.raw(this.#sql, parameters))
    return Number(result.numAffectedRows ?? 0)
  }

  postgresStatement(parameter: number): string {
    return this.#statement(parameter)
  }

  postgresParameter(rows: readonly Row[]): string {
    return recordsJson(rows, this.#bound)
  }
}
