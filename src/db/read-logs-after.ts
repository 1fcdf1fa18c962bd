import type {Transaction} from 'kysely'

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
 * The lines of `logs` after `cursor`, in id order, at most `limit` of them,
 * read {@link LINES_PER_READ} at a time. `columns` must include `id`.
 *
 * @example
 * ```ts
 * const rows = await readLogsAfter(trx, ['id', 'timestamp', 'msg'], cursor, 5000)
 * ```
 */
export async function readLogsAfter<C extends keyof LogRow & string>(
  trx: Transaction<Database>,
  columns: readonly C[],
  cursor: number,
  limit: number,
): Promise<Array<Pick<LogRow, C>>> {
  const rows: Array<Pick<LogRow, C>> = []
  let after = cursor
  while (rows.length < limit) {
    const want = Math.min(LINES_PER_READ, limit - rows.length)
    const query = trx.selectFrom('logs').select(columns).where('id', '>', after).orderBy('id').limit(want)
    const chunk = (await query.execute()) as unknown as Array<Pick<LogRow, C>>
    for (const row of chunk) rows.push(row)
    if (chunk.length < want) break
    after = (chunk.at(-1) as Pick<LogRow, 'id'>).id
  }

  return rows
}
