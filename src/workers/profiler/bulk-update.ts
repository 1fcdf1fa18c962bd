/**
 * Multi-row UPDATE of rows known to exist: `update ... from` a list of
 * values joined on the key. For the profiler's attackers whose counters
 * moved: a plain update skips the speculative insert an upsert tries first.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from '../../db/dialect-of.js'
import type {Database} from '../../db/schema.js'
import type {UpsertColumns} from './bulk-upsert.js'

import {rowParameters} from '../../db/row-parameters.js'
import {columnArrays} from './bulk-upsert.js'

/**
 * Updates rows of one table by key, `rowsPerStatement` at a time on SQLite,
 * all at once on PostgreSQL (one array parameter per column). Rows whose key
 * is missing are skipped, not inserted.
 *
 * @example
 * ```ts
 * const counters = new BulkUpdate('postgres', 'attackers', [['ip', 'text'], ['event_count', 'bigint']], 'ip', 500)
 * const updated = await counters.write(trx, rows)
 * ```
 */
export class BulkUpdate<Row extends object> {
  readonly #columns: ReadonlyArray<keyof Row & string>
  readonly #dialect: DialectName
  readonly #head: string
  readonly #tail: string
  readonly #unnestSql: string
  readonly #rowsPerStatement: number
  #fullSql: string | undefined

  constructor(dialect: DialectName, table: string, columns: UpsertColumns<Row>, key: keyof Row & string, rowsPerStatement: number) {
    this.#dialect = dialect
    this.#columns = Object.freeze(columns.map(([name]) => name))
    this.#rowsPerStatement = rowsPerStatement
    const names = columns.map(([name]) => name)
    const set = (ref: (i: number) => string) =>
      names.flatMap((name, i) => (name === key ? [] : [`"${name}" = ${ref(i)}`])).join(', ')
    const keyAt = names.indexOf(key)
    if (keyAt === -1) throw new Error(`the key "${key}" of ${table} must be one of its columns`)
    // SQLite names the columns of a VALUES list column1, column2, ...
    this.#head = `update "${table}" set ${set((i) => `v.column${i + 1}`)} from (values `
    this.#tail = `) as v where "${table}"."${key}" = v.column${keyAt + 1}`
    const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')
    const aliases = names.map((name) => `"${name}"`).join(', ')
    this.#unnestSql =
      `update "${table}" set ${set((i) => `v."${names[i]}"`)} from unnest(${arrays}) as v(${aliases})` +
      ` where "${table}"."${key}" = v."${key}"`
  }

  /** Updates every row; returns how many rows were updated. */
  async write(trx: Transaction<Database>, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0
    if (this.#dialect === 'postgres') {
      const result = await trx.executeQuery(CompiledQuery.raw(this.#unnestSql, columnArrays(rows, this.#columns)))
      return Number(result.numAffectedRows ?? 0)
    }

    let written = 0
    for (let start = 0; start < rows.length; start += this.#rowsPerStatement) {
      const end = Math.min(rows.length, start + this.#rowsPerStatement)
      const result = await trx.executeQuery(CompiledQuery.raw(this.#valuesSql(end - start), rowParameters(rows, this.#columns, start, end)))
      written += Number(result.numAffectedRows ?? 0)
    }

    return written
  }

  #valuesSql(rowCount: number): string {
    if (rowCount === this.#rowsPerStatement && this.#fullSql !== undefined) return this.#fullSql
    const tuple = `(${this.#columns.map(() => '?').join(', ')})`
    const text = `${this.#head}${Array.from({length: rowCount}, () => tuple).join(', ')}${this.#tail}`
    if (rowCount === this.#rowsPerStatement) this.#fullSql = text
    return text
  }
}
