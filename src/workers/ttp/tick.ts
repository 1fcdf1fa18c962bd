/**
 * One TTP tick: tag the next batch of log lines and store the tags and the
 * batch's failed logins, in one transaction with the cursor, so a tick
 * happens whole or not at all and a replay inserts nothing twice (tag ids
 * are deterministic, failures are keyed by log id).
 */
import type {Kysely, Transaction} from 'kysely'

import type {Database} from '../../db/schema.js'
import type {AuthFailure} from '../../ttp/brute-force.js'
import type {AuthRules} from '../../ttp/auth/auth-rules.js'
import type {FailureMemory} from './failure-memory.js'
import type {AlertSink} from '../alerts/alert-queue.js'
import type {Matcher} from '../../ttp/matcher.js'
import type {BatchTags, TtpLog} from '../../ttp/tagger.js'

import {dialectOf} from '../../db/dialect-of.js'
import type {LogsRead} from '../../db/read-logs-after.js'
import {readLogsAfter} from '../../db/read-logs-after.js'
import {chunks} from '../../util/chunks.js'
import {LOOKBACK_MS} from '../../ttp/brute-force.js'
import {noAuthEvents} from '../../ttp/auth/auth-events.js'
import {AuthState} from './auth-state.js'
import {countingPass} from './counting-pass.js'
import {TagWriter} from './tag-writer.js'
import {techniqueAlerts} from '../alerts/technique-alerts.js'
import {tagLogs} from '../../ttp/tagger.js'
import {claimAndReadLogs, claimCursor} from '../claim-cursor.js'
import {ReadAhead} from '../read-ahead.js'

/** The `worker_state` row the TTP worker keeps its cursor in. */
export const TTP_CURSOR = 'ttp'

/** Lines per tick unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 5000

/**
 * Matching time per tick unless told otherwise: a batch of hostile commands
 * is cut there (the rest waits for the next tick), so one tick never blocks
 * the worker (its heartbeats, the database's write lock) for long.
 */
export const DEFAULT_TAG_BUDGET_MS = 1000

// three parameters a range
const RANGES_PER_SELECT = 300
const COLUMNS = ['id', 'timestamp', 'attacker_ip', 'event_type', 'fields', 'msg', 'decky', 'service'] as const

/** How to run a tick. */
export interface TtpTickOptions {
  readonly matcher: Matcher
  /** Lines to read at most (default {@link DEFAULT_BATCH_SIZE}). */
  readonly batchSize?: number
  /** Characters of text read at most (default `MAX_READ_CHARS`): a batch of huge lines is cut there. */
  readonly maxChars?: number
  /** Matching time after which the batch is cut (default {@link DEFAULT_TAG_BUDGET_MS}; at least one line is tagged). */
  readonly budgetMs?: number
  /** The `worker_state` row (default {@link TTP_CURSOR}). */
  readonly cursorName?: string
  /** Recent failed logins carried from tick to tick (a long-running worker passes one). */
  readonly memory?: FailureMemory
  /** Reuses its SQL text from tick to tick (a long-running worker passes one). */
  readonly writer?: TagWriter
  /**
   * The counting rules (spraying, stuffing, default credentials, a login
   * after a brute force, beaconing) with their settings; without it only the
   * brute-force rule runs, with its default limits.
   */
  readonly auth?: AuthRules
  /** The counting rules' state reader and writer (a long-running worker passes one). */
  readonly authState?: AuthState
  /**
   * Where the tick queues an `attacker.technique` alert for each technique
   * an attacker did not have, in its own transaction (the fleet has a
   * webhook); absent: no alerts.
   */
  readonly alerts?: AlertSink
}

/** What a tick did. */
export interface TtpTickResult {
  /** Log lines read. */
  readonly lines: number
  /** Tags inserted (a replay inserts none). */
  readonly tags: number
  /** The cursor after the tick. */
  readonly cursor: number
  /** Set when the time budget, or the read's character budget, cut the batch: more lines are waiting. */
  readonly cut?: true
}

/**
 * Runs one tick. It reads the lines after the cursor by primary key and, for
 * the brute-force rule, only the last ten minutes of failed logins (from
 * `auth_failures`, which each tick appends the batch's to) of the attackers
 * that failed to log in during the batch, so its cost follows the new lines.
 * The first statement claims the cursor row with a write, which serialises
 * concurrent TTP workers (a row lock on PostgreSQL, the write lock on SQLite).
 *
 * @example
 * ```ts
 * const {lines, tags, cursor} = await ttpTick(db, {matcher: new Matcher(rules)})
 * ```
 */
export async function ttpTick(db: Kysely<Database>, options: TtpTickOptions): Promise<TtpTickResult> {
  return runTick(db, options)
}

/** What a drain did. */
export interface TtpDrainResult {
  /** Log lines read. */
  lines: number
  /** Tags inserted. */
  tags: number
  /** The cursor afterwards. */
  cursor: number
}

/**
 * Ticks until a tick comes back short (caught up: fewer lines than a batch,
 * not cut by a budget) or `signal` fires (the tick under way still
 * completes), and returns the totals. `onTick` hears of each tick; the next
 * one waits for the promise it returns, if any.
 *
 * On PostgreSQL, while a full tick writes its tags, the next tick's lines are
 * read and tagged on another connection of the pool (see `ReadAhead`): the
 * server's work and the worker's overlap during a backlog. Tagging a line
 * depends on the line alone; the brute-force count, which depends on earlier
 * ticks, is still made inside the tick that writes it.
 *
 * @example
 * ```ts
 * const {lines, tags, cursor} = await ttpDrain(db, {matcher: new Matcher(rules), memory: new FailureMemory()})
 * ```
 */
export async function ttpDrain(
  db: Kysely<Database>,
  options: TtpTickOptions,
  signal?: AbortSignal,
  onTick?: (tick: TtpTickResult) => Promise<void> | void,
): Promise<TtpDrainResult> {
  const batchSize = batchSizeOf(options)
  const total: TtpDrainResult = {cursor: 0, lines: 0, tags: 0}
  const ahead = dialectOf(db) === 'postgres' ? new ReadAhead((after) => readBatch(db, after, options, signal), signal) : undefined
  try {
    for (;;) {
      const tick = await runTick(db, options, ahead)
      await onTick?.(tick)
      total.lines += tick.lines
      total.tags += tick.tags
      total.cursor = tick.cursor
      if ((tick.lines < batchSize && !tick.cut) || signal?.aborted) return total
    }
  } finally {
    await ahead?.take() // never leave a read running on the pool (after an abort it stops early)
  }
}

/**
 * One tick, with the batch `ahead` read and tagged for it when it follows the
 * cursor the tick claims; a full batch starts the next read there. The read
 * ahead is taken before the transaction begins, so a tick never waits for a
 * connection while holding one.
 */
async function runTick(db: Kysely<Database>, options: TtpTickOptions, ahead?: ReadAhead<TaggedBatch>): Promise<TtpTickResult> {
  const {memory} = options
  const cursorName = options.cursorName ?? TTP_CURSOR
  const early = await ahead?.take()
  try {
    const tick = await db.transaction().execute(async (trx) => {
      // PostgreSQL, nothing read ahead: the claim reads the first lines too (one round trip fewer)
      const claimed =
        early === undefined && dialectOf(trx) === 'postgres'
          ? await claimAndReadLogs(trx, cursorName, COLUMNS, batchSizeOf(options), {maxChars: options.maxChars})
          : undefined
      const cursor = claimed?.cursor ?? (await claimCursor(trx, cursorName))
      if (memory !== undefined && !memory.validAt(cursor)) memory.reset()
      const batch = claimed === undefined ? (early?.after === cursor ? early.read : await readBatch(trx, cursor, options)) : tagBatch(claimed.read, options)
      const {cut, failures, rows, tags} = batch
      if (rows.length === 0) return {cursor, cut: false, failures: [], lines: 0, lookback: undefined, tags: 0}

      const next = rows.at(-1)!.id
      if (rows.length === batchSizeOf(options) || cut) ahead?.start(next)
      const {auth: events} = batch
      const points = options.auth === undefined ? failures : [...failures, ...events.successes]
      const lookback = points.length > 0 ? await history(trx, points, rows[0].id, memory, options.auth?.lookbackMs) : undefined
      const state = options.authState ?? new AuthState()
      tags.push(...(await countingPass(trx, {auth: events, failures}, lookback?.failures ?? [], options.matcher.attackVersion, options.auth, state)))
      const writer = options.writer ?? new TagWriter()
      const alerts = options.alerts === undefined || tags.length === 0 ? [] : await techniqueAlerts(trx, tags)
      const inserted = await writer.write(trx, tags)
      if (alerts.length > 0) await options.alerts!.queue(trx, alerts)
      await writer.writeFailures(trx, failures) // what later ticks look back on
      await trx.updateTable('worker_state').set({cursor: next, updated_at: new Date().toISOString()}).where('worker', '=', cursorName).execute()
      return {cursor: next, cut, failures, lines: rows.length, lookback, tags: inserted}
    })
    memory?.commit(tick.cursor, tick.lookback?.fetched ?? new Map(), tick.lookback?.failures ?? [], tick.failures)
    return {cursor: tick.cursor, lines: tick.lines, tags: tick.tags, ...(tick.cut ? {cut: true} : {})}
  } catch (error) {
    memory?.reset() // what the failed tick read may not have happened
    throw error
  }
}

/** Lines per tick for `options`. */
function batchSizeOf(options: TtpTickOptions): number {
  return options.batchSize ?? DEFAULT_BATCH_SIZE
}

/** A batch of lines after a cursor, with the tags and failed logins of its lines, cut where a budget ran out. */
interface TaggedBatch extends BatchTags {
  rows: TtpLog[]
  /** True when a budget cut the batch: more lines are waiting. */
  cut: boolean
}

/**
 * Reads the lines after `cursor` and tags them, each on its own (no brute-force counting: that needs
 * earlier ticks). Once `signal` fires (a read ahead that no tick will take), it stops early and tags nothing.
 */
async function readBatch(db: Kysely<Database>, cursor: number, options: TtpTickOptions, signal?: AbortSignal): Promise<TaggedBatch> {
  return tagBatch(await readLogsAfter(db, COLUMNS, cursor, batchSizeOf(options), {maxChars: options.maxChars, signal}), options, signal)
}

/** Tags the lines `read` (see {@link readBatch}). */
function tagBatch(read: LogsRead<TtpLog>, options: TtpTickOptions, signal?: AbortSignal): TaggedBatch {
  const {rows} = read
  if (rows.length === 0 || signal?.aborted) return {auth: noAuthEvents(), count: 0, cut: false, failures: [], rows: [], tags: []}
  const tagged = tagLogs(rows, options.matcher, options.budgetMs ?? DEFAULT_TAG_BUDGET_MS)
  const cut = read.cut || tagged.count < rows.length
  if (cut) rows.length = tagged.count // the rest waits for the next tick
  return {...tagged, cut, rows}
}

/**
 * Earlier failures (ids below the batch's) of the batch's failing IPs, in the
 * {@link LOOKBACK_MS} before each new failure, read from `auth_failures`
 * (earlier ticks put them there; `logs` has no index for this): one time
 * range per run of an IP's new failures, so a batch that spans months reads
 * minutes of history.
 * Ranges the memory covers are not read; an IP's last range is read without
 * an upper bound, so the memory covers that IP from its start on afterwards.
 */
async function history(
  trx: Transaction<Database>,
  fresh: ReadonlyArray<Pick<AuthFailure, 'ip' | 'ms'>>,
  firstId: number,
  memory: FailureMemory | undefined,
  lookbackMs = LOOKBACK_MS,
): Promise<{failures: AuthFailure[]; fetched: Map<string, number>}> {
  const failures: AuthFailure[] = []
  const fetched = new Map<string, number>()
  const reads: Array<{ip: string; since: string; until?: string}> = []
  const ranges = lookbackRanges(fresh, lookbackMs)
  for (const [at, range] of ranges.entries()) {
    const since = Date.parse(range.since)
    const recalled = memory?.recall(range.ip, since, Date.parse(range.until))
    if (recalled !== undefined) {
      failures.push(...recalled)
    } else if (memory === undefined || ranges[at + 1]?.ip === range.ip) {
      reads.push(range)
    } else {
      reads.push({ip: range.ip, since: range.since})
      fetched.set(range.ip, since)
    }
  }

  for (const chunk of chunks(reads, RANGES_PER_SELECT)) {
    const rows = await trx
      .selectFrom('auth_failures')
      .select(['log_id', 'ip', 'timestamp', 'principal', 'secret_sha256'])
      .where('log_id', '<', firstId)
      .where((eb) =>
        eb.or(
          chunk.map(({ip, since, until}) =>
            eb.and([eb('ip', '=', ip), eb('timestamp', '>=', since), ...(until === undefined ? [] : [eb('timestamp', '<=', until)])]),
          ),
        ),
      )
      .execute()
    for (const row of rows) {
      failures.push({id: Number(row.log_id), ip: row.ip, ms: Date.parse(row.timestamp), principal: row.principal, secretSha256: row.secret_sha256, timestamp: row.timestamp})
    }
  }

  return {failures, fetched}
}

/** Per IP (in IP order, then time), the time ranges to read: runs of failures less than `lookbackMs` (default {@link LOOKBACK_MS}) apart, widened by it. */
export function lookbackRanges(fresh: ReadonlyArray<Pick<AuthFailure, 'ip' | 'ms'>>, lookbackMs = LOOKBACK_MS): Array<{ip: string; since: string; until: string}> {
  const byIp = new Map<string, number[]>()
  for (const failure of fresh) {
    let times = byIp.get(failure.ip)
    if (times === undefined) byIp.set(failure.ip, (times = []))
    times.push(failure.ms)
  }

  const ranges: Array<{ip: string; since: string; until: string}> = []
  for (const [ip, times] of byIp) {
    times.sort((a, b) => a - b)
    let start = times[0]
    for (const [at, ms] of times.entries()) {
      const next = times[at + 1]
      if (next !== undefined && next - ms <= lookbackMs) continue
      ranges.push({ip, since: new Date(start - lookbackMs).toISOString(), until: new Date(ms).toISOString()})
      start = next
    }
  }

  return ranges
}
