import type {Kysely} from 'kysely'

import type {Database, LogRow} from './schema.js'

/**
 * Lines per statement. Small enough that PostgreSQL reads them by primary
 * key whatever it believes of the table: asked for a whole batch at once
 * before it had statistics on `logs` (a new database just after a large
 * ingest, before autovacuum's first ANALYZE), its planner guessed that a
 * third of the table had `id > cursor` and chose to scan and sort all of it
 * (measured: 22 ms instead of under 3 for 1,000 new lines over 100,000
 * stored, growing with the table).
 */
export const LINES_PER_READ = 1000

/**
 * Characters of text a worker's tick reads at most (64 Mi; it stops after the
 * statement that crosses it). Lines are usually a few hundred characters, so
 * this never binds; it keeps a flood of maximum-size lines (64 KiB each, which
 * ingest accepts) from making one batch gigabytes, more than a tick can hold
 * in memory or write as one statement, which would then fail the same way on
 * every retry.
 */
export const MAX_READ_CHARS = 64 * 1024 * 1024

/**
 * Lines a statement asks for when `remaining` characters of the budget are
 * left and the longest line read so far has `longest`: as many as fit,
 * between 1 and {@link LINES_PER_READ}. Ordinary lines (a few hundred
 * characters) get {@link LINES_PER_READ}; 64 KiB lines get what the budget
 * has room for, where 1,000 of them made one statement 64 Mi characters
 * whatever the budget.
 */
export function statementLines(remaining: number, longest: number): number {
  return Math.max(1, Math.min(LINES_PER_READ, Math.floor(remaining / Math.max(1, longest))))
}

/** How {@link readLogsAfter} reads. */
export interface ReadLogsOptions<Row> {
  /** Characters of text to read at most (default {@link MAX_READ_CHARS}); it stops after the statement that crosses it. */
  maxChars?: number
  /**
   * Lines the first statement asks for (default {@link LINES_PER_READ});
   * later ones ask for {@link statementLines}: what the rest of the budget
   * holds of lines as long as the longest read so far.
   */
  firstStatementLines?: number
  /** Once it fires, the read stops after the statement under way (cut short, like the character budget). */
  signal?: AbortSignal
  /** Hears each statement's rows as they arrive, before they join the others (it may replace them in place). */
  onChunk?: (rows: Row[]) => void
}

/** What {@link readLogsAfter} read, and whether its character budget cut it short. */
export interface LogsRead<Row> {
  rows: Row[]
  /** True when the budget stopped it before `limit` lines: more may be waiting. */
  cut: boolean
}

/**
 * The lines of `logs` after `cursor`, in id order, at most `limit` of them
 * and about `maxChars` characters of text, read {@link LINES_PER_READ} at a
 * time. `columns` must include `id`.
 *
 * @example
 * ```ts
 * const {rows, cut} = await readLogsAfter(trx, ['id', 'timestamp', 'msg'], cursor, 5000)
 * ```
 */
export async function readLogsAfter<C extends keyof LogRow>(
  db: Kysely<Database>,
  columns: readonly C[],
  cursor: number,
  limit: number,
  options: ReadLogsOptions<Pick<LogRow, C>> = {},
): Promise<LogsRead<Pick<LogRow, C>>> {
  const {maxChars = MAX_READ_CHARS, onChunk, signal} = options
  const rows: Array<Pick<LogRow, C>> = []
  let after = cursor
  let chars = 0
  let longest = 0
  let perStatement = options.firstStatementLines ?? LINES_PER_READ
  while (rows.length < limit) {
    if (chars >= maxChars || signal?.aborted) return {cut: true, rows}
    const want = Math.min(perStatement, limit - rows.length)
    const query = db.selectFrom('logs').select(columns).where('id', '>', after).orderBy('id').limit(want)
    const chunk = (await query.execute()) as unknown as Array<Pick<LogRow, C>>
    for (const row of chunk) {
      const length = textLength(row, columns)
      chars += length
      if (length > longest) longest = length
    }

    perStatement = statementLines(maxChars - chars, longest)
    onChunk?.(chunk)
    for (const row of chunk) rows.push(row)

    if (chunk.length < want) break
    after = (chunk.at(-1) as Pick<LogRow, 'id'>).id
  }

  return {cut: false, rows}
}

/** Characters in the text values of `row` (its `columns`: no array per row, this runs for every line read). */
export function textLength(row: object, columns: readonly string[]): number {
  let length = 0
  for (const column of columns) {
    const value = (row as Record<string, unknown>)[column]
    if (typeof value === 'string') length += value.length
  }

  return length
}
