/**
 * Profiler ticks: fold the next batch of log lines into the attackers they
 * touch, in one transaction with the cursor, so a tick either happens whole or
 * not at all.
 */
import type {Kysely, Transaction} from 'kysely'

import {sql} from 'kysely'

import type {DialectName} from '../../db/dialect-of.js'
import type {OpenDatabaseOptions} from '../../db/open.js'
import type {AttackerArtifactsTable, AttackerCommandBatchesTable, AttackerFingerprintsTable, AttackerRow, AttackerServicesTable, AttackerSmtpTargetsTable, CredentialsTable, Database} from '../../db/schema.js'
import type {DatabaseTarget} from '../../db/url.js'
import type {UpsertColumns} from '../../db/bulk/upsert-columns.js'
import type {CachedAttacker} from './attacker-cache.js'
import type {AttackerProfile, LogSemantics, ProfileLog, StoredAttacker} from './fold.js'
import type {LinesRead, TickLine} from './read/read-lines.js'
import type {TickWork, TickWrites} from './tick-plan.js'

import {dialectOf} from '../../db/dialect-of.js'
import {statementLines} from '../../db/read-logs-after.js'
import {MAX_LINE_BYTES} from '../../logs/parse.js'
import {chunks} from '../../util/chunks.js'
import {BulkUpdate} from '../../db/bulk/bulk-update.js'
import {BulkUpsert} from '../../db/bulk/bulk-upsert.js'
import {CREDENTIALS_MERGE} from '../../db/bulk/credentials-merge.js'
import {FINGERPRINTS_MERGE} from '../../db/bulk/fingerprints-merge.js'
import {MergeUpsert} from '../../db/bulk/merge-upsert.js'
import {SMTP_TARGETS_MERGE} from '../../db/bulk/smtp-targets-merge.js'
import type {TrustedProxies} from './fingerprints/trusted-proxies.js'
import {markProbed, PROBED_SUFFIX, withProbedFingerprints} from './fingerprints/probed-fingerprints.js'
import {PostgresWriteBatch} from '../../db/bulk/postgres-write-batch.js'
import {valuesIn} from '../../db/values-in.js'
import type {SeenCredential} from './credential-rows.js'
import {addCredentials} from './credential-rows.js'
import {LineDescriber} from './read/line-describer.js'
import {claimAndReadLines, parseLineTexts, readLines} from './read/read-lines.js'
import {ProfilerSemantics} from './semantics.js'
import {claimCursor} from '../claim-cursor.js'
import {AttackerCache} from './attacker-cache.js'
import {groupByIp, planTick, tickWork} from './tick-plan.js'
import {ThreadReader} from './read/thread-reader.js'
import type {Ahead} from '../read-ahead.js'
import {ReadAhead} from '../read-ahead.js'
import {BehaviorStore} from './behavior/behavior-store.js'
import {withProbedLines} from './behavior/probed-behavior.js'
import type {AlertSink} from '../alerts/alert-queue.js'
import {firstSeenAlerts} from '../alerts/first-seen-alerts.js'

/** The `worker_state` row the profiler keeps its cursor in. */
export const PROFILER_CURSOR = 'profiler'

/**
 * The suffix of the `worker_state` row (after the cursor's name) holding the
 * last log id whose credential, on a line naming no attacker, is in
 * `credentials`: such lines have no attacker row whose `last_log_id` keeps a
 * replay (a cursor moved back) from counting them twice.
 */
export const UNATTRIBUTED_SUFFIX = ':unattributed'

/**
 * Lines per tick unless told otherwise. A tick's fixed cost is the attackers
 * it touches, so a backlog (a cold build, a catch-up) goes faster in big
 * batches: measured on a million lines, 100,000 a tick against 50,000 is
 * about 10% faster on SQLite (5-10% on PostgreSQL), for transactions of about
 * a second. Peak memory of a cold build of 1M lines: ~380 MB RSS on
 * PostgreSQL, ~480 MB on SQLite with its reading thread. (200,000 a tick:
 * within noise on both, for ~220 MB more on SQLite.) A tick never reads more
 * than there is: a quiet minute's thousand lines are one small tick.
 */
export const DEFAULT_BATCH_SIZE = 100_000

/**
 * Characters of log text a tick reads at most (it stops after the statement
 * that crosses it). Ordinary lines never reach it (100,000 lines of a few
 * hundred characters); a flood of 64 KiB lines does. It was 64 Mi, the
 * default of every worker: a cold build over 64 KiB attacker lines then
 * peaked at 693 MiB RSS on SQLite and could not run within a 128 MB V8 heap;
 * with 16 Mi it peaks at about 440 MiB and runs within it (bench/memory.js,
 * docs/benchmarks.md).
 */
export const PROFILER_MAX_CHARS = 16 * 1024 * 1024

// IPs per SQLite `IN` list, far below its bound-parameter limit (32766).
const IPS_PER_SELECT = 1000

const ATTACKER_COLUMNS = [
  ['ip', 'text'], ['first_seen', 'text'], ['last_seen', 'text'], ['event_count', 'bigint'], ['services', 'text'],
  ['deckies', 'text'], ['is_traversal', 'integer'], ['traversal_path', 'text'], ['auth_attempts', 'bigint'],
  ['first_contacts', 'text'], ['last_log_id', 'bigint'],
] as const satisfies UpsertColumns<AttackerRow>
/** What a tick reads of the attackers it touches (see `StoredAttacker`). */
const STORED_COLUMNS = [
  'ip', 'first_seen', 'last_seen', 'event_count', 'services', 'deckies', 'auth_attempts', 'last_log_id',
] as const satisfies ReadonlyArray<keyof AttackerRow>
/** What moves for an attacker whose deckies and services did not change. */
const COUNTER_COLUMNS = [
  ['ip', 'text'], ['first_seen', 'text'], ['last_seen', 'text'], ['event_count', 'bigint'], ['auth_attempts', 'bigint'],
  ['last_log_id', 'bigint'],
] as const satisfies UpsertColumns<AttackerRow>
const ARTIFACT_COLUMNS = [
  ['log_id', 'bigint'], ['ip', 'text'], ['kind', 'text'], ['timestamp', 'text'], ['decky', 'text'], ['service', 'text'], ['details', 'text'],
] as const satisfies UpsertColumns<AttackerArtifactsTable>
const SERVICE_COLUMNS = [['ip', 'text'], ['service', 'text'], ['kind', 'text'], ['first_log_id', 'bigint']] as const satisfies UpsertColumns<AttackerServicesTable>

/** Service activities (`ip`, service, kind) a profiler remembers having stored, at most; past this it starts over. */
const MAX_KNOWN_ACTIVITIES = 200_000
const BATCH_COLUMNS = [
  ['ip', 'text'], ['first_log_id', 'bigint'], ['last_log_id', 'bigint'], ['commands', 'text'],
] as const satisfies UpsertColumns<AttackerCommandBatchesTable>

/**
 * A stored batch with this key holds the same commands (see `AttackerCommandBatchesTable`): a
 * tick replayed over the same lines writes nothing, and one over other bounds (after `attackers`
 * was cleared but not the batches) adds batches that readers merge by log id; no command is lost.
 */
const BATCH_KEY = ['ip', 'first_log_id', 'last_log_id'] as const

/**
 * How the profiler opens its database. SQLite: a page cache that holds the
 * attackers a tick touches, and automatic checkpoints rare enough that ticks
 * seldom pay for one (the worker checkpoints between passes instead). A
 * catch-up tick rewrites most pages of `attackers` and of the key of
 * `attacker_command_batches`; each checkpoint copies them into the database
 * file once, so fewer checkpoints copy less: with 50,000 pages (a write-ahead
 * log of up to ~200 MB during a catch-up) instead of 10,000, a cold build of
 * 1M lines, its last checkpoint included, took 8% less time (measured with
 * one row per command, before command batches). Between catch-ups the log
 * stays small: the worker checkpoints after every pass.
 */
export const PROFILER_DATABASE_OPTIONS: Readonly<OpenDatabaseOptions> = Object.freeze({
  cacheSizeKiB: 32 * 1024,
  walAutocheckpointPages: 50_000,
})

/** How to run ticks. */
export interface ProfilerOptions {
  /** Lines per tick at most (default {@link DEFAULT_BATCH_SIZE}). */
  batchSize?: number
  /** What lines mean (default: a {@link ProfilerSemantics}, i.e. src/logs'). */
  semantics?: LogSemantics
  /** The `worker_state` row (default {@link PROFILER_CURSOR}). */
  cursorName?: string
  /** Characters of text a tick reads at most (default {@link PROFILER_MAX_CHARS}): a batch of huge lines is cut there. */
  maxChars?: number
  /** Attacker rows kept in memory between ticks (default `MAX_CACHED_ATTACKERS`; 0: none, every tick reads them). */
  cachedAttackers?: number
  /**
   * Where the database is (as `openDatabase` takes it, parsed: a worker's
   * `ctx.database`). When it is a SQLite file, a drain reads a backlog's next
   * batch on a thread of its own while it folds this one (see
   * `ThreadReader`). (PostgreSQL reads ahead on this thread in any case.)
   */
  database?: DatabaseTarget
  /** Proxies whose proxy headers claim nothing of the attacker's (default: none; see `TrustedProxies`). */
  trustedProxies?: TrustedProxies
  /** Where a tick queues an `attacker.first_seen` alert for each new attacker, in its own transaction (the fleet has a webhook); absent: none. */
  alerts?: AlertSink
}

/** What a tick (or a drain) did. */
export interface TickResult {
  /** Log lines read (with or without an attacker IP). */
  lines: number
  /** Attacker rows inserted or updated. */
  attackers: number
  /** Commands found in the lines folded (lines already folded into their attacker are skipped, so a replay finds none). */
  commands: number
  /** Credentials found in the lines folded (as commands: a replay finds none). */
  credentials?: number
  /** The cursor afterwards. */
  cursor: number
  /** Set when the read's character budget cut the batch short: more lines are waiting. */
  cut?: true
}

/**
 * Folds log lines into attacker profiles, one bounded tick at a time. A
 * tick's cost follows the new lines and the attackers they touch: it reads
 * the lines after the cursor by primary key, the touched attackers by
 * primary key, and never an attacker's older lines.
 *
 * Each tick first claims the cursor row with a write, which serialises
 * concurrent profilers (a row lock on PostgreSQL, the write lock on SQLite)
 * so two of them never fold the same lines; and lines at or below an
 * attacker's `last_log_id` are never folded into it again.
 *
 * @example
 * ```ts
 * const profiler = new Profiler(db)
 * const {lines, cursor} = await profiler.drain()
 * ```
 */
export class Profiler {
  readonly #db: Kysely<Database>
  readonly #dialect: DialectName
  readonly #batchSize: number
  readonly #cursorName: string
  readonly #maxChars: number
  /**
   * Lines a read's first statement asks for: as many lines of the longest
   * size ingest takes as fit in the budget (256 of 64 KiB in 16 Mi), so even
   * the first statement stays within it; later ones size themselves by the
   * lines read (see `statementLines`). A tick of at most that many new lines
   * (a live server's minute) is still one statement.
   */
  readonly #firstStatementLines: number
  readonly #semantics: LogSemantics
  readonly #attackers: BulkUpsert<AttackerProfile>
  readonly #counters: BulkUpdate<StoredAttacker>
  readonly #rewrites: BulkUpdate<AttackerProfile>
  readonly #commandBatches: BulkUpsert<AttackerCommandBatchesTable>
  readonly #credentials: MergeUpsert<CredentialsTable>
  readonly #services: BulkUpsert<AttackerServicesTable>
  /**
   * The (ip, service, kind) activities this profiler's committed ticks stored
   * (by `activityKey`): a tick writes only the others, so an attacker's
   * activity costs a write once, not every tick (830 upserts a 1,000-line
   * tick cost PostgreSQL ~12 ms). Forgotten with the attacker cache (see
   * `AttackerCache`); a write of a stored one changes nothing.
   */
  readonly #knownActivities = new Set<string>()
  readonly #artifacts: BulkUpsert<AttackerArtifactsTable>
  readonly #fingerprints: MergeUpsert<AttackerFingerprintsTable>
  readonly #smtpTargets: MergeUpsert<AttackerSmtpTargetsTable>
  readonly #trustedProxies: TrustedProxies | undefined
  /** PostgreSQL: the writes and the cursor update of a tick, as one statement. */
  readonly #together: PostgresWriteBatch | undefined
  /** The attacker rows this profiler's last ticks wrote (see `AttackerCache`). */
  readonly #cache: AttackerCache
  /** Where a reading thread finds the database, when one may read (see `ProfilerOptions.database`). */
  readonly #threadDatabase: DatabaseTarget | undefined
  /** Describes lines as they are read (see `LineDescriber`). */
  readonly #describe: (lines: TickLine[]) => void
  /** Of the stored attackers the last tick read, the share whose first contacts it needed. */
  #contactsShare = 0
  /** `attacker_behavior`: read, folded and written with the tick (see `BehaviorStore`). */
  readonly #behavior: BehaviorStore
  readonly #alerts: AlertSink | undefined

  constructor(db: Kysely<Database>, options: ProfilerOptions = {}) {
    this.#db = db
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) {
      throw new Error(`Expected \`batchSize\` to be a positive integer, got \`${options.batchSize}\``)
    }

    this.#cursorName = options.cursorName ?? PROFILER_CURSOR
    this.#maxChars = options.maxChars ?? PROFILER_MAX_CHARS
    this.#firstStatementLines = statementLines(this.#maxChars, MAX_LINE_BYTES)
    this.#cache = new AttackerCache(options.cachedAttackers)
    this.#semantics = options.semantics ?? new ProfilerSemantics()
    const describer = new LineDescriber(this.#semantics)
    this.#describe = (lines) => describer.describe(lines)

    this.#threadDatabase = options.database !== undefined && ThreadReader.canRead(options.database) ? options.database : undefined
    const dialect = (this.#dialect = dialectOf(db))
    this.#behavior = new BehaviorStore(dialect, this.#semantics, options.cachedAttackers)
    const update = (columns: UpsertColumns<AttackerRow>) => ({update: columns.map(([name]) => name).filter((name) => name !== 'ip')})
    this.#attackers = new BulkUpsert(dialect, 'attackers', ATTACKER_COLUMNS, 'ip', update(ATTACKER_COLUMNS))
    // an attacker this tick read exists (the claimed cursor keeps other profilers out): a plain update
    this.#counters = new BulkUpdate(dialect, 'attackers', COUNTER_COLUMNS, 'ip')
    this.#rewrites = new BulkUpdate(dialect, 'attackers', ATTACKER_COLUMNS, 'ip')
    this.#commandBatches = new BulkUpsert(dialect, 'attacker_command_batches', BATCH_COLUMNS, BATCH_KEY, 'nothing')
    this.#credentials = new MergeUpsert(dialect, CREDENTIALS_MERGE)
    this.#services = new BulkUpsert(dialect, 'attacker_services', SERVICE_COLUMNS, ['ip', 'service', 'kind'], 'nothing')
    this.#artifacts = new BulkUpsert(dialect, 'attacker_artifacts', ARTIFACT_COLUMNS, 'log_id', 'nothing')
    this.#fingerprints = new MergeUpsert(dialect, FINGERPRINTS_MERGE)
    this.#smtpTargets = new MergeUpsert(dialect, SMTP_TARGETS_MERGE)
    this.#trustedProxies = options.trustedProxies
    this.#alerts = options.alerts
    this.#together =
      dialect === 'postgres'
        ? new PostgresWriteBatch(
            [this.#attackers, this.#rewrites, this.#counters, this.#commandBatches, this.#credentials, this.#services, this.#artifacts, this.#fingerprints, this.#smtpTargets],
            (n) => `update "worker_state" set "cursor" = $${n}, "updated_at" = $${n + 1} where "worker" = $${n + 2}`,
          )
        : undefined
  }

  /** Lines per tick. */
  get batchSize(): number {
    return this.#batchSize
  }

  /**
   * SQLite: copies the write-ahead log back into the database file now (a
   * passive checkpoint: it never waits for other processes), so the next
   * ticks do not pay for it inside their transactions. PostgreSQL: nothing.
   */
  async checkpoint(): Promise<void> {
    if (this.#dialect === 'sqlite') await sql`pragma wal_checkpoint(passive)`.execute(this.#db)
  }

  /** Runs one tick. */
  async tick(): Promise<TickResult> {
    return this.#run()
  }

  /**
   * Runs one tick, with the lines `ahead` read for it when they follow the
   * cursor it claims; when its batch is full, starts reading the next one
   * there. The read ahead is taken before the transaction begins, so a tick
   * never waits for a connection while holding one.
   */
  async #run(ahead?: ReadAhead<LinesRead>): Promise<TickResult> {
    const early = await ahead?.take()
    let tick: TickOutcome
    try {
      tick = await this.#db.transaction().execute((trx) => this.#tick(trx, early, ahead))
    } catch (error) {
      this.#cache.reset() // whether it committed is unknown: the database is the truth
      this.#knownActivities.clear()
      this.#behavior.reset()
      throw error
    }

    if (tick.written !== undefined) this.#cache.commit(tick.result.cursor, tick.written)
    if (tick.written !== undefined) this.#behavior.commit(tick.result.cursor)
    if (tick.activities !== undefined) {
      if (this.#knownActivities.size + tick.activities.length > MAX_KNOWN_ACTIVITIES) this.#knownActivities.clear()
      for (const key of tick.activities) this.#knownActivities.add(key)
    }

    return tick.result
  }

  /** One tick inside its transaction: what it did, and what it wrote for the cache to keep once committed. */
  async #tick(trx: Transaction<Database>, early?: Ahead<LinesRead>, ahead?: ReadAhead<LinesRead>): Promise<TickOutcome> {
    // PostgreSQL, nothing read ahead: the claim reads the first lines too (one round trip fewer)
    const claimed =
      this.#dialect === 'postgres' && early === undefined
        ? await claimAndReadLines(trx, this.#cursorName, this.#batchSize, this.#readOptions())
        : undefined
    const cursor = claimed?.cursor ?? (await claimCursor(trx, this.#cursorName))
    if (!this.#cache.validAt(cursor)) {
      this.#cache.reset()
      this.#knownActivities.clear()
    }

    const {cut, lines} = claimed?.read ?? (early?.after === cursor ? early.read : await this.#read(trx, cursor))
    if (lines.length === 0) return {result: {attackers: 0, commands: 0, cursor, lines: 0}}
    const next = lines.at(-1)!.id
    if (lines.length === this.#batchSize || cut) ahead?.start(next)

    const work = await this.#touched(trx, groupByIp(lines))
    const plan = planTick(work, this.#semantics, {storedActivities: this.#knownActivities, trustedProxies: this.#trustedProxies})
    const unattributed = unattributedCredentials(lines, this.#semantics)
    const mark = unattributed.length === 0 ? undefined : await this.#unattributed(trx, unattributed)
    const probedMark = this.#cursorName + PROBED_SUFFIX
    const probed = await withProbedFingerprints(trx, lines, this.#semantics, {mark: probedMark, planned: plan.writes.fingerprints, trusted: this.#trustedProxies})
    const writes = {...plan.writes, fingerprints: probed.rows, ...(mark === undefined ? {} : {credentials: [...plan.writes.credentials, ...mark.rows]})}
    const behavior = await this.#behavior.plan(trx, cursor, withProbedLines(work, lines, this.#semantics))
    await this.#write(trx, writes, next)
    await this.#behavior.write(trx, behavior)
    if (this.#alerts !== undefined) await this.#alerts.queue(trx, firstSeenAlerts(work))
    if (probed.last !== undefined) await markProbed(trx, probedMark, probed.last)
    if (mark !== undefined && mark.count > 0) await this.#markUnattributed(trx, mark.last)
    const credentials = plan.credentials + (mark?.count ?? 0)
    return {
      activities: plan.activities,
      result: {attackers: work.length, commands: plan.commands, credentials, cursor: next, lines: lines.length, ...(cut ? {cut: true as const} : {})},
      written: plan.written,
    }
  }

  /**
   * The `credentials` rows (under attacker `''`) of lines naming no attacker,
   * leaving out those at or below the mark of the last ones stored; how many
   * sightings they hold and the last log id among them.
   */
  async #unattributed(trx: Transaction<Database>, seen: readonly SeenCredential[]): Promise<{count: number; last: number; rows: CredentialsTable[]}> {
    const name = this.#cursorName + UNATTRIBUTED_SUFFIX
    const mark = await trx.selectFrom('worker_state').select('cursor').where('worker', '=', name).executeTakeFirst()
    const after = Number(mark?.cursor ?? 0)
    const fresh = seen.filter((sighting) => sighting.log_id > after)
    const rows = new Map<string, CredentialsTable>()
    addCredentials(rows, '', fresh)
    return {count: fresh.length, last: fresh.at(-1)?.log_id ?? after, rows: [...rows.values()]}
  }

  /** Records `last` as the last log id whose unattributed credential is stored (see {@link UNATTRIBUTED_SUFFIX}). */
  async #markUnattributed(trx: Transaction<Database>, last: number): Promise<void> {
    await trx
      .insertInto('worker_state')
      .values({cursor: last, updated_at: new Date().toISOString(), worker: this.#cursorName + UNATTRIBUTED_SUFFIX})
      .onConflict((oc) => oc.column('worker').doUpdateSet({cursor: last, updated_at: new Date().toISOString()}))
      .execute()
  }

  /**
   * The attackers `byIp` touch, with their rows as far as their folds read
   * them: the rows this profiler kept (see `AttackerCache`), the others read.
   */
  async #touched(trx: Transaction<Database>, byIp: ReadonlyMap<string, ProfileLog[]>): Promise<TickWork[]> {
    const stored = new Map<string, CachedAttacker>()
    const uncached: string[] = []
    for (const ip of byIp.keys()) {
      const entry = this.#cache.get(ip)
      if (entry === undefined) uncached.push(ip)
      else stored.set(ip, entry)
    }

    // when most attackers of the last tick needed their first contacts, read them all with the rows:
    // one statement instead of two (a new decky per line is common while histories are short)
    const withContacts = this.#contactsShare > 0.5
    if (uncached.length > 0 && this.#cache.coverage === 'unknown') this.#cache.covers(await noAttackers(trx))
    // a cache that holds every stored attacker leaves nothing to read: the other IPs are new
    const loaded = this.#cache.coverage === 'complete' ? new Map<string, StoredAttacker>() : await loadAttackers(trx, this.#dialect, uncached, withContacts)
    // a row read from the database is never trusted as a fold's own: anything may have changed it
    for (const [ip, row] of loaded) stored.set(ip, {ownContacts: false, row})
    const work = tickWork(byIp, stored)
    const needContacts = new Map<string, StoredAttacker>()
    let loadedNeeding = 0
    for (const {ip, needsFirstContacts, row} of work) {
      if (!needsFirstContacts) continue
      if (row!.first_contacts === undefined) needContacts.set(ip, row!)
      if (loaded.has(ip)) loadedNeeding++
    }

    await loadFirstContacts(trx, this.#dialect, needContacts)
    if (loaded.size > 0) this.#contactsShare = loadedNeeding / loaded.size
    return work
  }

  /** The lines after `cursor` for one tick (`signal`: see `readLines`). */
  async #read(db: Kysely<Database>, cursor: number, signal?: AbortSignal): Promise<LinesRead> {
    return readLines(db, this.#dialect, cursor, this.#batchSize, {...this.#readOptions(), signal})
  }

  /** How a tick reads: the budget, the first statement's size, the chunk hook. */
  #readOptions(): {firstStatementLines: number; maxChars: number; onChunk: (lines: TickLine[]) => void} {
    return {firstStatementLines: this.#firstStatementLines, maxChars: this.#maxChars, onChunk: this.#describe}
  }

  /** Writes a tick's attackers, command batches, credentials, service activities, artifacts, fingerprints and SMTP targets, and moves the cursor. */
  async #write(trx: Transaction<Database>, rows: TickWrites, cursor: number): Promise<void> {
    const {artifacts, batches, changed, created, credentials, fingerprints, moved, services, smtpTargets} = rows
    const updatedAt = new Date().toISOString()
    if (this.#together !== undefined) {
      await this.#together.run(trx, [created, changed, moved, batches, credentials, services, artifacts, fingerprints, smtpTargets], [cursor, updatedAt, this.#cursorName])
      return
    }

    await this.#attackers.write(trx, created)
    await this.#rewrites.write(trx, changed)
    await this.#counters.write(trx, moved)
    await this.#commandBatches.write(trx, batches)
    await this.#credentials.write(trx, credentials)
    await this.#services.write(trx, services)
    await this.#artifacts.write(trx, artifacts)
    await this.#fingerprints.write(trx, fingerprints)
    await this.#smtpTargets.write(trx, smtpTargets)
    await trx.updateTable('worker_state').set({cursor, updated_at: updatedAt}).where('worker', '=', this.#cursorName).execute()
  }

  /**
   * Ticks until a tick comes back short (caught up: fewer lines than a batch, not cut by the
   * character budget) or `signal` fires (the tick under way still completes). Returns the totals.
   * `onTick` hears of each tick; the next one waits for the promise it returns, if any.
   *
   * While a full tick folds and writes, the next tick's lines are read on another connection (see
   * `ReadAhead`): on PostgreSQL, of the pool, so that a backlog's server work and the profiler's own
   * overlap; on a SQLite file (`database`), of a reading thread (see `ThreadReader`). It holds
   * one more batch of lines in memory while a backlog lasts.
   */
  async drain(signal?: AbortSignal, onTick?: (tick: TickResult) => Promise<void> | void): Promise<TickResult> {
    const total: TickResult = {attackers: 0, commands: 0, credentials: 0, cursor: 0, lines: 0}
    // PostgreSQL reads ahead on this thread; a SQLite file on a thread of its own, started with the first read
    let reader: ThreadReader | undefined
    const database = this.#threadDatabase
    const ahead =
      database === undefined
        ? this.#dialect === 'postgres'
          ? new ReadAhead((after) => this.#read(this.#db, after, signal), signal)
          : undefined
        : new ReadAhead(async (after) => {
            reader ??= new ThreadReader({batchSize: this.#batchSize, database, maxChars: this.#maxChars})
            return parseLineTexts(await reader.read(after), this.#describe)
          }, signal)
    try {
      for (;;) {
        const tick = await this.#run(ahead)
        await onTick?.(tick)
        total.lines += tick.lines
        total.attackers += tick.attackers
        total.commands += tick.commands
        total.credentials! += tick.credentials ?? 0
        total.cursor = tick.cursor
        if ((tick.lines < this.#batchSize && !tick.cut) || signal?.aborted) return total
      }
    } finally {
      await ahead?.take() // never leave a read running on the pool (after an abort it stops early)
      await reader?.close()
    }
  }
}

/** Runs one tick with a throwaway {@link Profiler}. */
export async function profilerTick(db: Kysely<Database>, options?: ProfilerOptions): Promise<TickResult> {
  return new Profiler(db, options).tick()
}

/** A tick's result, and (when it moved the cursor) the attacker rows and service activities it wrote. */
interface TickOutcome {
  result: TickResult
  written?: CachedAttacker[]
  /** The (ip, service, kind) activities it wrote (see `activityKey`). */
  activities?: string[]
}

/** The credentials carried by lines that name no attacker, in log order. */
function unattributedCredentials(lines: readonly TickLine[], semantics: LogSemantics): SeenCredential[] {
  const seen: SeenCredential[] = []
  for (const line of lines) {
    if (line.attacker_ip) continue
    const {credential} = line.meaning ?? semantics.describe(line)
    if (credential !== undefined) seen.push({credential, decky: line.decky, log_id: line.id, service: line.service, timestamp: line.timestamp})
  }

  return seen
}

/** True when `attackers` has no row. */
async function noAttackers(trx: Transaction<Database>): Promise<boolean> {
  return (await trx.selectFrom('attackers').select('ip').limit(1).executeTakeFirst()) === undefined
}

async function loadAttackers(
  trx: Transaction<Database>,
  dialect: DialectName,
  ips: string[],
  withContacts: boolean,
): Promise<Map<string, StoredAttacker>> {
  const found = new Map<string, StoredAttacker>()
  const columns = withContacts ? [...STORED_COLUMNS, 'first_contacts' as const] : STORED_COLUMNS
  for (const chunk of ipChunks(dialect, ips)) {
    const rows: StoredAttacker[] = await trx.selectFrom('attackers').select(columns).where(valuesIn(dialect, 'ip', chunk)).execute()
    for (const row of rows) found.set(row.ip, row)
  }

  return found
}

/** Adds `first_contacts` to the attackers (by IP) whose fold will read it. */
async function loadFirstContacts(trx: Transaction<Database>, dialect: DialectName, attackers: ReadonlyMap<string, StoredAttacker>): Promise<void> {
  for (const chunk of ipChunks(dialect, [...attackers.keys()])) {
    const rows = await trx.selectFrom('attackers').select(['ip', 'first_contacts']).where(valuesIn(dialect, 'ip', chunk)).execute()
    for (const {ip, first_contacts} of rows) attackers.get(ip)!.first_contacts = first_contacts
  }
}

/** SQLite: `IN` lists of at most IPS_PER_SELECT; PostgreSQL: one parameter, so one statement. */
function ipChunks(dialect: DialectName, ips: string[]): Iterable<string[]> {
  if (ips.length === 0) return []
  return dialect === 'postgres' ? [ips] : chunks(ips, IPS_PER_SELECT)
}
