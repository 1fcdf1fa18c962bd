/**
 * One TTP tick: tag the next batch of log lines and store the tags, in one
 * transaction with the cursor, so a tick happens whole or not at all and a
 * replay inserts nothing twice (tag ids are deterministic).
 */
import type {Kysely, Transaction} from 'kysely'

import type {Database, NewTtpTag} from '../../db/schema.js'
import type {AuthFailure} from './brute-force.js'
import type {Matcher} from './matcher.js'

import {chunks} from '../../lib/chunks.js'
import {bruteForceTags, LOOKBACK_MS} from './brute-force.js'
import {failuresOf, tagLogs} from './tagger.js'

/** The `worker_state` row the TTP worker keeps its cursor in. */
export const TTP_CURSOR = 'ttp'

/** Lines per tick unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 5000

// 11 columns a tag: 500 rows stay far below the bound-parameter limits (SQLite 32766, PostgreSQL 65535).
const TAGS_PER_INSERT = 500
const IPS_PER_SELECT = 500
const COLUMNS = ['id', 'timestamp', 'attacker_ip', 'event_type', 'fields', 'msg'] as const

/** How to run a tick. */
export interface TtpTickOptions {
  readonly matcher: Matcher
  /** Lines to read at most (default {@link DEFAULT_BATCH_SIZE}). */
  readonly batchSize?: number
  /** The `worker_state` row (default {@link TTP_CURSOR}). */
  readonly cursorName?: string
}

/** What a tick did. */
export interface TtpTickResult {
  /** Log lines read. */
  readonly lines: number
  /** Tags inserted (a replay inserts none). */
  readonly tags: number
  /** The cursor after the tick. */
  readonly cursor: number
}

/**
 * Runs one tick. It reads the lines after the cursor by primary key and, for
 * the brute-force rule, only the last ten minutes of the attackers that
 * failed to log in during the batch, so its cost follows the new lines.
 * The first statement claims the cursor row with a write, which serialises
 * concurrent TTP workers (a row lock on PostgreSQL, the write lock on SQLite).
 *
 * @example
 * ```ts
 * const {lines, tags, cursor} = await ttpTick(db, {matcher: new Matcher(rules)})
 * ```
 */
export async function ttpTick(db: Kysely<Database>, options: TtpTickOptions): Promise<TtpTickResult> {
  const cursorName = options.cursorName ?? TTP_CURSOR
  return db.transaction().execute(async (trx) => {
    const cursor = await claimCursor(trx, cursorName)
    const rows = await trx
      .selectFrom('logs')
      .select(COLUMNS)
      .where('id', '>', cursor)
      .orderBy('id')
      .limit(options.batchSize ?? DEFAULT_BATCH_SIZE)
      .execute()
    if (rows.length === 0) return {cursor, lines: 0, tags: 0}

    const {failures, tags} = tagLogs(rows, options.matcher)
    if (failures.length > 0) tags.push(...bruteForceTags(failures, await history(trx, failures, rows[0].id)))
    const inserted = await insertTags(trx, tags)
    const next = rows.at(-1)!.id
    await trx.updateTable('worker_state').set({cursor: next, updated_at: new Date().toISOString()}).where('worker', '=', cursorName).execute()
    return {cursor: next, lines: rows.length, tags: inserted}
  })
}

/** Reads the cursor through a write, creating the row at 0 the first time. */
async function claimCursor(trx: Transaction<Database>, worker: string): Promise<number> {
  const row = await trx
    .insertInto('worker_state')
    .values({cursor: 0, updated_at: new Date().toISOString(), worker})
    .onConflict((oc) => oc.column('worker').doUpdateSet((eb) => ({worker: eb.ref('excluded.worker')})))
    .returning('cursor')
    .executeTakeFirstOrThrow()
  return Number(row.cursor)
}

/** Earlier failures of the batch's failing IPs, from {@link LOOKBACK_MS} before the earliest new one. */
async function history(trx: Transaction<Database>, fresh: readonly AuthFailure[], firstId: number): Promise<AuthFailure[]> {
  let from = Number.POSITIVE_INFINITY
  let to = Number.NEGATIVE_INFINITY
  for (const failure of fresh) {
    from = Math.min(from, failure.ms)
    to = Math.max(to, failure.ms)
  }

  const since = new Date(from - LOOKBACK_MS).toISOString()
  const until = new Date(to).toISOString()
  const found: AuthFailure[] = []
  for (const ips of chunks([...new Set(fresh.map((failure) => failure.ip))], IPS_PER_SELECT)) {
    const rows = await trx
      .selectFrom('logs')
      .select(COLUMNS)
      .where('attacker_ip', 'in', ips)
      .where('timestamp', '>=', since)
      .where('timestamp', '<=', until)
      .where('id', '<', firstId)
      .execute()
    found.push(...failuresOf(rows))
  }

  return found
}

async function insertTags(trx: Transaction<Database>, tags: NewTtpTag[]): Promise<number> {
  let inserted = 0
  for (const chunk of chunks(tags, TAGS_PER_INSERT)) {
    const result = await trx
      .insertInto('ttp_tags')
      .values(chunk)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst()
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0)
  }

  return inserted
}
