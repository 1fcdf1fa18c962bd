/**
 * Multi-row INSERT ... ON CONFLICT statements with their SQL text built once
 * per row count and cached: on the profiler's hot path, building a
 * 5,000-parameter statement through kysely's query builder costs more than
 * running it.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from '../../db/dialect-of.js'
import type {Database} from '../../db/schema.js'
import {rowParameters} from '../../db/row-parameters.js'

/** What to do with a row whose key already exists. */
export type OnConflict = {update: readonly string[]} | 'nothing'

/**
 * Writes rows of one table, `rowsPerStatement` at a time.
 *
 * @example
 * ```ts
 * const commands = new BulkUpsert('sqlite', 'attacker_commands', ['log_id', 'ip'], 'log_id', 'nothing', 1000)
 * const inserted = await commands.write(trx, rows)
 * ```
 */
export class BulkUpsert<Row extends object> {
  readonly #columns: ReadonlyArray<keyof Row & string>
  readonly #dialect: DialectName
  readonly #head: string
  readonly #tail: string
  readonly #rowsPerStatement: number
  #fullSql: string | undefined

  constructor(
    dialect: DialectName,
    table: string,
    columns: ReadonlyArray<keyof Row & string>,
    key: keyof Row & string,
    onConflict: OnConflict,
    rowsPerStatement: number,
  ) {
    this.#dialect = dialect
    this.#columns = Object.freeze([...columns])
    this.#rowsPerStatement = rowsPerStatement
    this.#head = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values `
    const set = onConflict === 'nothing' ? '' : onConflict.update.map((c) => `"${c}" = excluded."${c}"`).join(', ')
    this.#tail = ` on conflict ("${key}") do ${onConflict === 'nothing' ? 'nothing' : `update set ${set}`}`
  }

  /** Writes every row; returns how many rows were inserted or updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    let written = 0
    for (let start = 0; start < rows.length; start += this.#rowsPerStatement) {
      const end = Math.min(rows.length, start + this.#rowsPerStatement)
      const parameters = rowParameters(rows, this.#columns, start, end)
      const result = await trx.executeQuery(CompiledQuery.raw(this.#sql(end - start), parameters))
      written += Number(result.numAffectedRows ?? 0)
    }

    return written
  }

  #sql(rowCount: number): string {
    // only full-size statements are cached: the short tail of each write varies
    if (rowCount === this.#rowsPerStatement && this.#fullSql !== undefined) return this.#fullSql
    const width = this.#columns.length
    const tuples = new Array<string>(rowCount)
    for (let r = 0; r < rowCount; r++) {
      const marks = new Array<string>(width)
      for (let c = 0; c < width; c++) marks[c] = this.#dialect === 'postgres' ? `$${r * width + c + 1}` : '?'
      tuples[r] = `(${marks.join(', ')})`
    }

    const text = this.#head + tuples.join(', ') + this.#tail
    if (rowCount === this.#rowsPerStatement) this.#fullSql = text
    return text
  }
}
