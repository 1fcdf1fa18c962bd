import {CompiledQuery} from 'kysely'

const COPY_ROWS = Symbol.for('decnet.copyRows')

/**
 * The data of a `COPY ... FROM STDIN`, passed as the one parameter of the
 * statement (see {@link copyQuery}). Only decnet's PostgreSQL connections
 * understand it (`CopyingClient`): they stream the chunks to the server
 * through the COPY protocol instead of binding a parameter, inside whatever
 * transaction the connection is in.
 */
export class CopyRows {
  readonly chunks: readonly Uint8Array[]
  /** Marks copy data by a registered symbol, not by class: the same module may be loaded twice (src and dist in tests). */
  readonly [COPY_ROWS] = true

  constructor(chunks: readonly Uint8Array[]) {
    this.chunks = chunks
  }
}

/** Whether `value` is a {@link CopyRows} (from any copy of this module). */
export function isCopyRows(value: unknown): value is CopyRows {
  return typeof value === 'object' && value !== null && (value as Partial<CopyRows>)[COPY_ROWS] === true
}

/**
 * A query that copies `chunks` (COPY text format) into `columns` of `table`,
 * to run with `trx.executeQuery`, so it shares the transaction of the
 * statements around it.
 *
 * @example
 * ```ts
 * await trx.executeQuery(copyQuery('logs', LOG_COLUMNS, copyText(packed)))
 * ```
 */
export function copyQuery(table: string, columns: readonly string[], chunks: readonly Uint8Array[]): CompiledQuery {
  return CompiledQuery.raw(`copy "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`, [new CopyRows(chunks)])
}
