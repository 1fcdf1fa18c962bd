/**
 * A statement run once per row, as one query: the cheapest way to write many
 * rows with SQLite (one prepared single-row statement, no per-row round trip
 * through the query executor, no array per row). The query says so by its
 * type: the SQLite driver (`CachingSqliteConnection`) runs a
 * {@link PerRowQuery} row by row and returns the total of affected rows.
 * Only that driver knows it: the bulk writers build one only for SQLite
 * (PostgreSQL refuses it: it has no parameters for the statement's `?`s).
 */
import {CompiledQuery} from 'kysely'

/** The rows of a {@link PerRowQuery}. */
export interface RowSource {
  readonly count: number
  /** Values per row. */
  readonly width: number
  /** Writes row `index`'s values into `into` (reused from row to row: bound, then overwritten). */
  fill(index: number, into: unknown[]): void
}

/** A compiled single-row statement to run once for each row of {@link PerRowQuery.perRow}. */
export interface PerRowQuery extends CompiledQuery {
  /** The rows the statement runs for, in order. */
  readonly perRow: RowSource
}

/**
 * The query that runs `sql` (a single-row statement with `rows.width`
 * parameters) once per row of `rows`.
 *
 * @example
 * ```ts
 * const {numAffectedRows} = await trx.executeQuery(perRowQuery('insert into "t" ("a", "b") values (?, ?)', objectRows(rows, ['a', 'b'])))
 * ```
 */
export function perRowQuery(sql: string, rows: RowSource): PerRowQuery {
  return Object.freeze({...CompiledQuery.raw(sql), perRow: rows})
}

/** Whether `query` is a {@link PerRowQuery}. */
export function isPerRowQuery(query: CompiledQuery): query is PerRowQuery {
  return (query as Partial<PerRowQuery>).perRow !== undefined
}
