/**
 * Multi-row INSERT ... ON CONFLICT statements for the profiler's hot path.
 * SQLite: `values (?, ...), (?, ...)` with the SQL text built once per row
 * count and cached (building a 5,000-parameter statement through kysely's
 * query builder costs more than running it). PostgreSQL: one array parameter
 * per column, `select ... from unnest($1::text[], ...)`: the same short
 * statement text whatever the row count, so the server parses and plans a
 * handful of parameters instead of thousands, and one statement writes the
 * whole batch.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from '../../db/dialect-of.js'
import type {Database} from '../../db/schema.js'
import {rowParameters} from '../../db/row-parameters.js'

/** What to do with a row whose key already exists. */
export type OnConflict = {update: readonly string[]} | 'nothing'

/** A column's SQL type, for PostgreSQL's array parameters. */
export type ColumnType = 'bigint' | 'integer' | 'text'

/** The columns written, each with its type. */
export type UpsertColumns<Row> = ReadonlyArray<readonly [keyof Row & string, ColumnType]>

/**
 * Writes rows of one table, `rowsPerStatement` at a time on SQLite, all at
 * once on PostgreSQL.
 *
 * @example
 * ```ts
 * const columns = [['log_id', 'bigint'], ['ip', 'text']] as const
 * const commands = new BulkUpsert('sqlite', 'attacker_commands', columns, 'log_id', 'nothing', 1000)
 * const inserted = await commands.write(trx, rows)
 * ```
 */
export class BulkUpsert<Row extends object> {
  readonly #columns: ReadonlyArray<keyof Row & string>
  readonly #dialect: DialectName
  readonly #head: string
  readonly #tail: string
  readonly #unnestSql: string
  readonly #rowsPerStatement: number
  #fullSql: string | undefined

  constructor(
    dialect: DialectName,
    table: string,
    columns: UpsertColumns<Row>,
    key: keyof Row & string,
    onConflict: OnConflict,
    rowsPerStatement: number,
  ) {
    this.#dialect = dialect
    this.#columns = Object.freeze(columns.map(([name]) => name))
    this.#rowsPerStatement = rowsPerStatement
    this.#head = `insert into "${table}" (${columns.map(([name]) => `"${name}"`).join(', ')}) `
    const set = onConflict === 'nothing' ? '' : onConflict.update.map((c) => `"${c}" = excluded."${c}"`).join(', ')
    this.#tail = ` on conflict ("${key}") do ${onConflict === 'nothing' ? 'nothing' : `update set ${set}`}`
    const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')
    this.#unnestSql = `${this.#head}select * from unnest(${arrays})${this.#tail}`
  }

  /** Writes every row; returns how many rows were inserted or updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0
    if (this.#dialect === 'postgres') {
      const result = await trx.executeQuery(CompiledQuery.raw(this.#unnestSql, columnArrays(rows, this.#columns)))
      return Number(result.numAffectedRows ?? 0)
    }

    let written = 0
    for (let start = 0; start < rows.length; start += this.#rowsPerStatement) {
      const end = Math.min(rows.length, start + this.#rowsPerStatement)
      const parameters = rowParameters(rows, this.#columns, start, end)
      const result = await trx.executeQuery(CompiledQuery.raw(this.#valuesSql(end - start), parameters))
      written += Number(result.numAffectedRows ?? 0)
    }

    return written
  }

  #valuesSql(rowCount: number): string {
    // only full-size statements are cached: the short tail of each write varies
    if (rowCount === this.#rowsPerStatement && this.#fullSql !== undefined) return this.#fullSql
    const tuple = `(${this.#columns.map(() => '?').join(', ')})`
    const text = `${this.#head}values ${Array.from({length: rowCount}, () => tuple).join(', ')}${this.#tail}`
    if (rowCount === this.#rowsPerStatement) this.#fullSql = text
    return text
  }
}

/** One array per column (`undefined` as null): the parameters of an `unnest` statement. */
export function columnArrays(rows: readonly object[], columns: readonly string[]): unknown[][] {
  const arrays = columns.map(() => new Array<unknown>(rows.length))
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Record<string, unknown>
    for (let c = 0; c < columns.length; c++) arrays[c]![r] = row[columns[c]!] ?? null
  }

  return arrays
}
