import {CompiledQuery, sql} from 'kysely'
import type {Kysely, Transaction} from 'kysely'

import {copyText} from './bulk/copy-text.js'
import {LOG_COLUMNS, PackedLogsBuilder, PackedLogsReader, unpackLogs, type LogInsert, type PackedLogs} from './bulk/packed-logs.js'
import {copyQuery} from './copy-rows.js'
import {dialectOf} from './dialect-of.js'
import {perRowQuery, type RowSource} from './per-row-query.js'
import {objectRows, rowParameters} from './row-parameters.js'
import type {DialectName} from './dialect-of.js'
import type {Database, RejectedLinesTable} from './schema.js'
import {advanceSourceProgress, type ProgressStep} from './source-progress.js'

export type {LogInsert} from './bulk/packed-logs.js'

/** A row for `rejected_lines`. */
export type RejectedInsert = Omit<RejectedLinesTable, 'id'>

/**
 * The PostgreSQL advisory lock (transaction-scoped) that every writer of
 * `logs` takes before inserting. Writers are then serialised, so identity
 * values are handed out in commit order and a worker reading `id > cursor`
 * never misses a row that commits later with a smaller id. (SQLite
 * serialises writers by itself.)
 */
export const LOGS_APPEND_LOCK = 0x0d_ec_4e_70

const REJECTED_COLUMNS = ['source', 'line_no', 'reason', 'raw_line', 'received_at'] as const

/** PostgreSQL rows per multi-row INSERT (rejected lines; log rows without COPY): well under its 65,535 bound parameters. */
const POSTGRES_ROWS_PER_STATEMENT = 1000

/**
 * Appends log lines and rejected lines in one transaction per call. The SQL
 * is built once and cached (kysely's query builder costs more per batch than
 * the insert itself). SQLite: one prepared single-row INSERT run for every
 * row inside the driver (measured fastest: multi-row VALUES lists are ~20%
 * slower there), binding packed rows (see `PackedLogs`) without an object
 * per row. PostgreSQL: log rows go through `COPY logs FROM STDIN` (text
 * format, see `copyText`), one statement per batch in the same transaction
 * as the progress step; rejected lines (few) go as multi-row INSERTs of
 * 1,000 rows. COPY assigns ids in the order of the rows, as the INSERTs did.
 *
 * @example
 * ```ts
 * const writer = new LogWriter(db)
 * await writer.write(acceptedRows, rejectedRows)
 * ```
 */
export class LogWriter {
  readonly #db: Kysely<Database>
  readonly #dialect: DialectName
  readonly #rowsPerStatement: number
  readonly #copy: boolean
  readonly #sqlCache = new Map<string, string>()

  /**
   * PostgreSQL only, for tests and benchmarks: `rowsPerStatement` of the
   * multi-row INSERTs, `copy: false` to write log rows by INSERT as before COPY.
   */
  constructor(db: Kysely<Database>, options: {rowsPerStatement?: number; copy?: boolean} = {}) {
    this.#db = db
    this.#dialect = dialectOf(db)
    this.#rowsPerStatement = options.rowsPerStatement ?? POSTGRES_ROWS_PER_STATEMENT
    this.#copy = options.copy ?? true
  }

  /**
   * Inserts both lists (log rows as objects or packed) in one transaction,
   * with the step of their source's progress when there is one (first: a
   * conflict then costs nothing); nothing is written if any of it fails.
   *
   * @throws SourceProgressConflict when another run moved the source's progress first.
   */
  async write(logs: readonly LogInsert[] | PackedLogs, rejected: readonly RejectedInsert[] = [], progress?: ProgressStep): Promise<void> {
    const packed = isPacked(logs)
    const count = packed ? logs.count : logs.length
    if (count === 0 && rejected.length === 0 && progress === undefined) return
    await this.#db.transaction().execute(async (trx) => {
      if (progress) await advanceSourceProgress(trx, progress)
      if (this.#dialect === 'postgres' && count > 0) await sql`select pg_advisory_xact_lock(${sql.lit(LOGS_APPEND_LOCK)})`.execute(trx)
      if (this.#dialect === 'sqlite' && packed) await this.#runPerRow(trx, 'logs', LOG_COLUMNS, packedRows(logs))
      else if (this.#dialect === 'postgres' && this.#copy) {
        if (count > 0) await trx.executeQuery(copyQuery('logs', LOG_COLUMNS, copyText(packed ? logs : pack(logs))))
      } else await this.#insert(trx, 'logs', LOG_COLUMNS, packed ? unpackLogs(logs) : logs)
      await this.#insert(trx, 'rejected_lines', REJECTED_COLUMNS, rejected)
    })
  }

  async #insert<R extends object>(trx: Transaction<Database>, table: string, columns: readonly (keyof R & string)[], rows: readonly R[]): Promise<void> {
    if (rows.length === 0) return
    if (this.#dialect === 'sqlite') {
      await this.#runPerRow(trx, table, columns, objectRows(rows, columns))
      return
    }

    for (let start = 0; start < rows.length; start += this.#rowsPerStatement) {
      const end = Math.min(rows.length, start + this.#rowsPerStatement)
      const parameters = rowParameters(rows, columns, start, end)
      await trx.executeQuery(CompiledQuery.raw(this.#insertSql(table, columns, end - start), parameters))
    }
  }

  async #runPerRow(trx: Transaction<Database>, table: string, columns: readonly string[], rows: RowSource): Promise<void> {
    if (rows.count > 0) await trx.executeQuery(perRowQuery(this.#insertSql(table, columns, 1), rows))
  }

  #insertSql(table: string, columns: readonly string[], rowCount: number): string {
    // only single-row and full-size statements are cached: the short tail of each batch varies
    const cacheable = rowCount === 1 || rowCount === this.#rowsPerStatement
    const key = `${table}:${rowCount}`
    let text = cacheable ? this.#sqlCache.get(key) : undefined
    if (text === undefined) {
      const tuples: string[] = []
      let n = 0
      for (let r = 0; r < rowCount; r++) {
        const marks = columns.map(() => (this.#dialect === 'postgres' ? `$${++n}` : '?'))
        tuples.push(`(${marks.join(', ')})`)
      }

      text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`
      if (cacheable) this.#sqlCache.set(key, text)
    }

    return text
  }
}

function isPacked(logs: readonly LogInsert[] | PackedLogs): logs is PackedLogs {
  return !Array.isArray(logs)
}

function pack(rows: readonly LogInsert[]): PackedLogs {
  const builder = new PackedLogsBuilder()
  for (const row of rows) builder.add(row)
  return builder.take()
}

function packedRows(packed: PackedLogs): RowSource {
  const reader = new PackedLogsReader(packed)
  return {count: packed.count, fill: (index, into) => reader.row(index, into), width: LOG_COLUMNS.length}
}
