import type {Transaction} from 'kysely'

import {sql} from 'kysely'

import type {Database, LogRow} from '../db/schema.js'
import type {LogsRead, ReadLogsOptions} from '../db/read-logs-after.js'

import {LINES_PER_READ, MAX_READ_CHARS, readLogsAfter, statementLines, textLength} from '../db/read-logs-after.js'

/**
 * Reads a worker's cursor through a write, creating the row at 0 the first
 * time. The write locks the cursor row until the transaction ends, so two
 * instances of one worker never process the same lines: the second waits for
 * the first's commit and then reads the cursor it moved.
 */
export async function claimCursor(trx: Transaction<Database>, worker: string): Promise<number> {
  const row = await trx
    .insertInto('worker_state')
    .values({cursor: 0, updated_at: new Date().toISOString(), worker})
    .onConflict((oc) => oc.column('worker').doUpdateSet((eb) => ({worker: eb.ref('excluded.worker')})))
    .returning('cursor')
    .executeTakeFirstOrThrow()
  return Number(row.cursor)
}

/** A claimed cursor, and the lines after it. */
export interface ClaimedLogs<Row> {
  cursor: number
  read: LogsRead<Row>
}

/**
 * PostgreSQL only: {@link claimCursor}, then `readLogsAfter` from the cursor
 * claimed, with the claim and the first {@link LINES_PER_READ} lines in one
 * statement. A tick on a live server (a minute's lines, often fewer than that)
 * then takes one round trip fewer. The lines come from the statement's
 * snapshot, taken before the claim may have waited for another instance's
 * commit: lines committed meanwhile are left for the next tick, as lines
 * committed after any read are.
 *
 * Each row read carries the claimed cursor as an extra `claimed` property.
 *
 * @example
 * ```ts
 * const {cursor, read} = await claimAndReadLogs(trx, 'profiler', ['id', 'msg'], 100_000)
 * ```
 */
export async function claimAndReadLogs<C extends keyof LogRow>(
  trx: Transaction<Database>,
  worker: string,
  columns: readonly C[],
  limit: number,
  options: Omit<ReadLogsOptions<Pick<LogRow, C>>, 'signal'> = {},
): Promise<ClaimedLogs<Pick<LogRow, C>>> {
  const {maxChars = MAX_READ_CHARS, onChunk} = options
  const want = Math.min(options.firstStatementLines ?? LINES_PER_READ, limit)
  const names = sql.join(columns.map((column) => sql.ref(column)))
  const {rows} = await sql<{claimed: number; id: null | number}>`
    with "claim" as (
      insert into "worker_state" ("worker", "cursor", "updated_at") values (${worker}, 0, ${new Date().toISOString()})
      on conflict ("worker") do update set "worker" = excluded."worker"
      returning "cursor")
    select "claim"."cursor" as "claimed", "l".*
    from "claim" left join lateral (
      select ${names} from "logs" where "id" > "claim"."cursor" order by "id" limit ${want}
    ) as "l" on true`.execute(trx)
  const cursor = Number(rows[0].claimed)
  if (rows[0].id === null) return {cursor, read: {cut: false, rows: []}} // no line after the cursor
  const first = rows as unknown as Array<Pick<LogRow, C>>
  let chars = 0
  let longest = 0
  for (const row of first) {
    const length = textLength(row, columns)
    chars += length
    if (length > longest) longest = length
  }

  onChunk?.(first)
  if (first.length < want || limit === want) return {cursor, read: {cut: false, rows: first}}
  if (chars >= maxChars) return {cursor, read: {cut: true, rows: first}}
  const rest = await readLogsAfter(trx, columns, rows.at(-1)!.id!, limit - want, {firstStatementLines: statementLines(maxChars - chars, longest), maxChars: maxChars - chars, onChunk})
  for (const row of rest.rows) first.push(row)
  return {cursor, read: {cut: rest.cut, rows: first}}
}
