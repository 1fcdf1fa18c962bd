/**
 * INSERT ... ON CONFLICT of many rows for the workers' hot paths.
 * SQLite: one prepared single-row statement run once per row in one call
 * (`RUN_PER_ROW`): measured, cheaper than multi-row `values (?, ...), ...`
 * statements, whose thousands of parameters SQLite binds and parses one
 * statement shape at a time. PostgreSQL: one array parameter per column,
 * `select ... from unnest($1::text[], ...)`: the same short statement text
 * whatever the row count, so the server parses and plans a handful of
 * parameters instead of thousands, and one statement writes the whole batch.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from '../../db/dialect-of.js'
import type {Database} from '../../db/schema.js'

import {objectRows} from '../../db/row-parameters.js'
import {RUN_PER_ROW} from '../../db/sqlite-driver.js'

/** What to do with a row whose key already exists. */
export type OnConflict = {update: readonly string[]} | 'nothing'

/** A column's SQL type, for PostgreSQL's array parameters. */
export type ColumnType = 'bigint' | 'double precision' | 'integer' | 'text'

/** The columns written, each with its type. */
export type UpsertColumns<Row> = ReadonlyArray<readonly [keyof Row & string, ColumnType]>

/**
 * Writes rows of one table: row by row through one prepared statement on
 * SQLite, all at once on PostgreSQL.
 *
 * @example
 * ```ts
 * const columns = [['log_id', 'bigint'], ['ip', 'text']] as const
 * const commands = new BulkUpsert('sqlite', 'attacker_commands', columns, 'log_id', 'nothing')
 * const inserted = await commands.write(trx, rows)
 * ```
 */
export class BulkUpsert<Row extends object> {
  readonly #columns: ReadonlyArray<keyof Row & string>
  readonly #dialect: DialectName
  readonly #sql: string

  constructor(dialect: DialectName, table: string, columns: UpsertColumns<Row>, key: keyof Row & string, onConflict: OnConflict) {
    this.#dialect = dialect
    this.#columns = Object.freeze(columns.map(([name]) => name))
    const head = `insert into "${table}" (${columns.map(([name]) => `"${name}"`).join(', ')}) `
    const set = onConflict === 'nothing' ? '' : onConflict.update.map((c) => `"${c}" = excluded."${c}"`).join(', ')
    const tail = ` on conflict ("${key}") do ${onConflict === 'nothing' ? 'nothing' : `update set ${set}`}`
    this.#sql =
      dialect === 'postgres'
        ? `${head}select ${columns.map(([name]) => `"${name}"`).join(', ')} from ${jsonRecords(columns)}${tail}`
        : `${RUN_PER_ROW}${head}values (${columns.map(() => '?').join(', ')})${tail}`
  }

  /** Writes every row; returns how many rows were inserted or updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0
    const parameters = this.#dialect === 'postgres' ? [recordsJson(rows, this.#columns)] : [objectRows(rows, this.#columns)]
    const result = await trx.executeQuery(CompiledQuery.raw(this.#sql, parameters))
    return Number(result.numAffectedRows ?? 0)
  }
}

/**
 * PostgreSQL: the rows of parameter `$1`, a JSON array of objects, as a
 * table with `columns` (`json_to_recordset`). One text parameter that
 * `JSON.stringify` writes and the server parses natively: cheaper on both
 * sides than one array literal per column, whose every element pg escapes
 * (attacker rows carry JSON text full of quotes).
 */
export function jsonRecords<Row>(columns: UpsertColumns<Row>): string {
  return `json_to_recordset($1::json) as v(${columns.map(([name, type]) => `"${name}" ${type}`).join(', ')})`
}

/** `rows` as the JSON parameter of {@link jsonRecords}: only `columns`, `undefined` as null. */
export function recordsJson(rows: readonly object[], columns: readonly string[]): string {
  return JSON.stringify(rows, columns as string[])
}
