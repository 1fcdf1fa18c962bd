/**
 * INSERT ... ON CONFLICT of many rows for the workers' hot paths.
 * SQLite: one prepared single-row statement run once per row in one call
 * (a `PerRowQuery`): measured, cheaper than multi-row `values (?, ...), ...`
 * statements with thousands of parameters. PostgreSQL: the whole batch in
 * one statement whose only parameter is the rows as one text, column by
 * column (see `columnTexts`), or as JSON (`json_to_recordset`) when a value
 * holds a separator: a short statement text whatever the row count, and no
 * per-element escaping on the client (measured: one array literal per
 * column cost pg about as much as the server's work).
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from '../dialect-of.js'
import type {Database} from '../schema.js'
import type {KeyColumns, UpsertColumns} from './upsert-columns.js'

import {columnTexts, columnTextsTable} from './column-texts.js'
import {objectRows} from '../row-parameters.js'
import {perRowQuery} from '../per-row-query.js'

/** What to do with a row whose key already exists. */
export type OnConflict = {update: readonly string[]} | 'nothing'

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
  /** SQLite's statement. */
  readonly #sql: string
  readonly #postgres: PostgresRowsSource<Row>

  /** `key`: the column, or columns, of the unique key a conflict is on. */
  constructor(dialect: DialectName, table: string, columns: UpsertColumns<Row>, key: KeyColumns<Row>, onConflict: OnConflict) {
    this.#dialect = dialect
    this.#columns = Object.freeze(columns.map(([name]) => name))
    const names = columns.map(([name]) => `"${name}"`).join(', ')
    const head = `insert into "${table}" (${names}) `
    const set = onConflict === 'nothing' ? '' : onConflict.update.map((c) => `"${c}" = excluded."${c}"`).join(', ')
    const keyList = (typeof key === 'string' ? [key] : key).map((name) => `"${name}"`).join(', ')
    const tail = ` on conflict (${keyList}) do ${onConflict === 'nothing' ? 'nothing' : `update set ${set}`}`
    this.#postgres = new PostgresRowsSource(columns, (source) => `${head}select ${names} from ${source}${tail}`)
    this.#sql = `${head}values (${columns.map(() => '?').join(', ')})${tail}`
  }

  /** Writes every row; returns how many rows were inserted or updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0
    const query = this.#dialect === 'postgres' ? postgresQuery(this.postgresWrite(rows, 1)) : perRowQuery(this.#sql, objectRows(rows, this.#columns))
    const result = await trx.executeQuery(query)
    return Number(result.numAffectedRows ?? 0)
  }

  postgresWrite(rows: readonly Row[], parameter: number): PostgresWrite {
    return this.#postgres.write(rows, parameter)
  }
}

/**
 * A PostgreSQL bulk write, also as a part of a larger statement (a
 * data-modifying `WITH`), so that several writes cost one round trip.
 */
export interface PostgresBulkWrite<Row> {
  /** The statement writing `rows` (an empty list writes nothing), which reads them from parameter `$parameter`, and that parameter. */
  postgresWrite(rows: readonly Row[], parameter: number): PostgresWrite
}

/** A PostgreSQL statement and the value of its one parameter. */
export interface PostgresWrite {
  sql: string
  value: string
}

/** A one-parameter PostgreSQL statement as a query. */
export function postgresQuery({sql, value}: PostgresWrite): CompiledQuery {
  return CompiledQuery.raw(sql, [value])
}

/**
 * The statements of a PostgreSQL bulk write around the `from` item its rows
 * come from: their column texts (see `columnTexts`), or JSON when they
 * cannot go as column texts. Each variant's text is built once.
 */
export class PostgresRowsSource<Row extends object> {
  readonly #columns: UpsertColumns<Row>
  readonly #names: readonly string[]
  readonly #statement: (source: string) => string
  readonly #texts = new Map<number, string>()
  readonly #json = new Map<number, string>()

  /** `statement`: the whole statement around a `from` item that yields table `v` with `columns`. */
  constructor(columns: UpsertColumns<Row>, statement: (source: string) => string) {
    this.#columns = columns
    this.#names = columns.map(([name]) => name)
    this.#statement = statement
  }

  write(rows: readonly Row[], parameter: number): PostgresWrite {
    const texts = columnTexts(rows, this.#names)
    if (texts !== undefined) return {sql: this.#variant(this.#texts, parameter, () => columnTextsTable(this.#columns, parameter)), value: texts}
    return {sql: this.#variant(this.#json, parameter, () => jsonRecords(this.#columns, parameter)), value: recordsJson(rows, this.#names)}
  }

  #variant(built: Map<number, string>, parameter: number, source: () => string): string {
    let sql = built.get(parameter)
    if (sql === undefined) built.set(parameter, (sql = this.#statement(source())))
    return sql
  }
}

/**
 * PostgreSQL: the rows of parameter `$1` (or `$parameter`), a JSON array of objects, as a
 * table `v` with `columns` (`json_to_recordset`): how rows go when they
 * cannot go as column texts (see `columnTexts`). Cheaper on both sides than
 * one array literal per column, whose every element pg escapes (attacker
 * rows carry JSON text full of quotes).
 */
function jsonRecords<Row>(columns: UpsertColumns<Row>, parameter = 1): string {
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
function recordsJson(rows: readonly object[], columns: readonly string[]): string {
  const json = JSON.stringify(rows, columns as string[])
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd') : json
}

/** A `\udXXX` escape in JSON text (JSON.stringify escapes only lone surrogates), not preceded by an escaped backslash. */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g
