/**
 * INSERT ... ON CONFLICT of many rows for the workers' hot paths.
 * SQLite: one prepared single-row statement run once per row in one call
 * (`RUN_PER_ROW`): measured, cheaper than multi-row `values (?, ...), ...`
 * statements with thousands of parameters. PostgreSQL: the whole batch in
 * one statement whose only parameter is the rows as JSON
 * (`json_to_recordset`): a short statement text whatever the row count, one
 * parameter to parse, and no per-element escaping on the client (measured:
 * one array literal per column cost pg about as much as the server's work).
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from './dialect-of.js'
import type {Database} from './schema.js'

import {objectRows} from './row-parameters.js'
import {RUN_PER_ROW} from './sqlite-driver.js'

/** What to do with a row whose key already exists. */
export type OnConflict = {update: readonly string[]} | 'nothing'

/** A column's SQL type, for the column list of PostgreSQL's `json_to_recordset` (see {@link jsonRecords}). */
export type ColumnType = 'bigint' | 'double precision' | 'integer' | 'text'

/** The column of a unique key, or its columns. */
export type KeyColumns<Row> = ReadonlyArray<keyof Row & string> | (keyof Row & string)

/** The columns written, each with its type. */
export type UpsertColumns<Row> = ReadonlyArray<readonly [keyof Row & string, ColumnType]>

/**
 * Writes rows of one table: row by row through one prepared statement on
 * SQLite, all at once on PostgreSQL.
 *
 * @example
 * ```ts
 * const columns = [['ip', 'text'], ['first_log_id', 'bigint'], ['last_log_id', 'bigint'], ['commands', 'text']] as const
 * const batches = new BulkUpsert('sqlite', 'attacker_command_batches', columns, ['ip', 'first_log_id', 'last_log_id'], 'nothing')
 * const inserted = await batches.write(trx, rows)
 * ```
 */
export class BulkUpsert<Row extends object> implements PostgresBulkWrite<Row> {
  readonly #columns: ReadonlyArray<keyof Row & string>
  readonly #dialect: DialectName
  /** The statement, with `$1` for PostgreSQL's rows (see {@link postgresStatement}). */
  readonly #sql: string
  readonly #statement: (parameter: number) => string

  /** `key`: the column, or columns, of the unique key a conflict is on. */
  constructor(dialect: DialectName, table: string, columns: UpsertColumns<Row>, key: KeyColumns<Row>, onConflict: OnConflict) {
    this.#dialect = dialect
    this.#columns = Object.freeze(columns.map(([name]) => name))
    const names = columns.map(([name]) => `"${name}"`).join(', ')
    const head = `insert into "${table}" (${names}) `
    const set = onConflict === 'nothing' ? '' : onConflict.update.map((c) => `"${c}" = excluded."${c}"`).join(', ')
    const keyList = (typeof key === 'string' ? [key] : key).map((name) => `"${name}"`).join(', ')
    const tail = ` on conflict (${keyList}) do ${onConflict === 'nothing' ? 'nothing' : `update set ${set}`}`
    this.#statement = (parameter) => `${head}select ${names} from ${jsonRecords(columns, parameter)}${tail}`
    this.#sql = dialect === 'postgres' ? this.#statement(1) : `${RUN_PER_ROW}${head}values (${columns.map(() => '?').join(', ')})${tail}`
  }

  /** Writes every row; returns how many rows were inserted or updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0
    const parameters = this.#dialect === 'postgres' ? [this.postgresParameter(rows)] : [objectRows(rows, this.#columns)]
    const result = await trx.executeQuery(CompiledQuery.raw(this.#sql, parameters))
    return Number(result.numAffectedRows ?? 0)
  }

  postgresStatement(parameter: number): string {
    return this.#statement(parameter)
  }

  postgresParameter(rows: readonly Row[]): string {
    return recordsJson(rows, this.#columns)
  }
}

/**
 * A PostgreSQL bulk write as a part of a larger statement (a data-modifying
 * `WITH`), so that several writes cost one round trip.
 */
export interface PostgresBulkWrite<Row> {
  /** The statement, reading its rows from parameter `$parameter`. */
  postgresStatement(parameter: number): string
  /** `rows` as that parameter (an empty list writes nothing). */
  postgresParameter(rows: readonly Row[]): string
}

/**
 * PostgreSQL: the rows of parameter `$1` (or `$parameter`), a JSON array of objects, as a
 * table with `columns` (`json_to_recordset`). One text parameter that
 * `JSON.stringify` writes and the server parses natively: cheaper on both
 * sides than one array literal per column, whose every element pg escapes
 * (attacker rows carry JSON text full of quotes).
 */
export function jsonRecords<Row>(columns: UpsertColumns<Row>, parameter = 1): string {
  return `json_to_recordset($${parameter}::json) as v(${columns.map(([name, type]) => `"${name}" ${type}`).join(', ')})`
}

/**
 * `rows` as the JSON parameter of {@link jsonRecords}: only `columns`,
 * `undefined` as null. A lone UTF-16 surrogate (text cut in the middle of an
 * emoji) becomes U+FFFD: JSON.stringify writes it as a `\udXXX` escape,
 * which PostgreSQL's JSON parser refuses, and one such value would fail
 * every tick after it. (On SQLite, better-sqlite3 writes replacement
 * characters for it.)
 */
export function recordsJson(rows: readonly object[], columns: readonly string[]): string {
  const json = JSON.stringify(rows, columns as string[])
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd') : json
}

/** A `\udXXX` escape in JSON text (JSON.stringify escapes only lone surrogates), not preceded by an escaped backslash. */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g
