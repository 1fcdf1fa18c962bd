import type {Kysely} from 'kysely'
import createDebug from 'debug'

import {isTransientDatabaseError} from '../../db/is-transient-error.js'
import type {LogWriter} from '../../db/log-writer.js'
import type {Database} from '../../db/schema.js'
import {readSourceProgress, type ProgressStep} from '../../db/source-progress.js'
import {BatchBuilder, type Batch} from '../batch-builder.js'
import {waitFor} from '../follow/wait-for.js'
import type {Spool} from '../spool/spool.js'

const debug = createDebug('decnet:syslog')

const FIRST_DELAY_MS = 250
const MAX_DELAY_MS = 10_000

/** Spool records a batch may be cut into (its records are numbered BATCH * PARTS + PART: see `#store`). */
const PARTS = 2 ** 20

/** The smallest spool record a batch is cut into (a larger message makes a larger record). */
const MIN_RECORD_BYTES = 16 * 1024

/** Payload bytes of spooled batches replayed in one transaction. */
const DRAIN_BYTES = 4 * 1024 * 1024

/** Counts of what the queue committed. */
export interface IntakeCounts {
  accepted: number
  rejected: number
  blank: number
  /** Messages written to the spool (each is counted again in `accepted` or `rejected` once drained). */
  spooled: number
}

/** One framed message: source, its number from that source, text, size when too long (0 otherwise), the limit it broke. */
type Message = [source: string, lineNo: number, text: string, tooLongBytes: number, maxBytes: number | null]

/** A batch as the spool keeps it: when it was received and its messages (JSON). */
interface SpooledBatch {
  at: string
  m: Message[]
}

/** Options of {@link IntakeQueue.create}. */
export interface IntakeOptions {
  /** Ends a database outage's wait (no spool), or a wait for room in a full spool. */
  signal?: AbortSignal
  onOutage?: (error: unknown, delayMs: number) => void
  /** Operator messages (spooling, draining). */
  log?: (line: string) => void
  /** Where batches go while the database is away; without it an outage is waited out with the connections paused. */
  spool?: Spool
}

/**
 * One writer for all the receiver's connections (group commit): messages
 * are added as they are framed, and `commit()` resolves once everything
 * added before it is durable, in one transaction shared by every
 * connection waiting at that moment. A connection reads nothing more until
 * its `commit()` resolves, so nothing it sent is acknowledged by reading
 * on before it is stored.
 *
 * With a spool, "durable" is "committed to the database, or fsync'd to the
 * spool while the database is away" (a transient error: see
 * `isTransientDatabaseError`). Each batch gets a sequence number, and every
 * transaction storing batches also moves the spool's progress row
 * (`ingest_sources`, key `spool:ID`) to its last number: a batch whose
 * commit failed ambiguously (the connection died during COMMIT) and was
 * spooled, or a spooled batch drained before a crash deleted its segment,
 * is then skipped, never stored twice. While the spool holds batches, new
 * ones are spooled behind them (order is kept), and a drainer replays them
 * in order; when it has caught up, batches go to the database again.
 *
 * Without a spool an outage is waited out with backoff (connections stay
 * paused: TCP pushes back on their senders); `signal` ends the wait, and
 * the rows not committed are then lost with the process (their senders
 * must resend them, see docs/ingest.md).
 */
export class IntakeQueue {
  readonly #db: Kysely<Database>
  readonly #writer: LogWriter
  readonly #signal: AbortSignal | undefined
  readonly #onOutage: ((error: unknown, delayMs: number) => void) | undefined
  readonly #log: (line: string) => void
  readonly #spool: Spool | undefined
  readonly #stopDrain = new AbortController()
  /**
   * Turns each batch's messages into rows; kept from one commit to the next
   * (filled and taken without an await between), since a new one allocates
   * its buffers again (2 MiB) and grows them: a cost per commit, and a busy
   * connection commits every chunk it reads.
   */
  readonly #builder = new BatchBuilder('syslog', new Date().toISOString())
  #messages: Message[] = []
  #batchAt: string | undefined
  #waiting: Array<{resolve: () => void; reject: (error: unknown) => void}> = []
  #running: Promise<void> | undefined
  /** The last spool record number given out (see `#store`). */
  #seq = 0
  /** The last batch number stored in the database as far as this process knows, and whether the progress row exists. */
  #committed = 0
  #hasProgressRow = false
  /** True from a transient failure until the drainer has caught up: batches go to the spool. */
  #spooling = false
  #appending: Promise<void> | undefined
  /** Woken after each record appended (the drainer waits on it). */
  #appended: Array<() => void> = []
  #draining: Promise<void> | undefined
  #drainError: Error | undefined
  readonly counts: IntakeCounts = {accepted: 0, rejected: 0, blank: 0, spooled: 0}
  /** Messages this queue spooled that the database does not have yet (see {@link spoolLines}). */
  #spoolLines = 0

  private constructor(db: Kysely<Database>, writer: LogWriter, options: IntakeOptions) {
    this.#db = db
    this.#writer = writer
    this.#signal = options.signal
    this.#onOutage = options.onOutage
    this.#log = options.log ?? (() => undefined)
    this.#spool = options.spool
  }

  /** A queue writing through `writer`; with a spool, reads the spool's progress and starts draining what it holds. */
  static async create(db: Kysely<Database>, writer: LogWriter, options: IntakeOptions = {}): Promise<IntakeQueue> {
    const queue = new IntakeQueue(db, writer, options)
    const spool = options.spool
    if (spool !== undefined) {
      const progress = await readSourceProgress(db, queue.#spoolKey)
      queue.#hasProgressRow = progress !== undefined
      queue.#committed = progress?.line ?? 0
      queue.#seq = Math.max(queue.#committed, spool.lastSeq)
      if (spool.lastSeq > queue.#committed) {
        queue.#log(`spool ${spool.dir} holds batches up to ${spool.lastSeq} (${spool.bytes} bytes), the database up to ${queue.#committed}: draining`)
        queue.#spooling = true
        queue.#kickDrainer()
      } else if (spool.bytes > 0) {
        await spool.release(queue.#committed)
      }
    }

    return queue
  }

  /**
   * Messages this queue wrote to the spool that are not stored yet: the
   * spool's depth in lines (what a previous run left there is not counted:
   * it shows in {@link spoolBytes}).
   */
  get spoolLines(): number {
    return this.#spoolLines
  }

  /** Bytes the spool holds (0 without one). */
  get spoolBytes(): number {
    return this.#spool?.bytes ?? 0
  }

  /** Why draining the spool stopped, when it stopped on an error that is not an outage. */
  get drainError(): Error | undefined {
    return this.#drainError
  }

  /** Adds one message from `source` (its `lineNo`-th); `tooLongBytes` > 0: it broke `maxBytes` and `text` is its start. */
  add(source: string, lineNo: number, text: string, tooLongBytes = 0, maxBytes?: number): void {
    this.#batchAt ??= new Date().toISOString()
    this.#messages.push([source, lineNo, text, tooLongBytes, maxBytes ?? null])
  }

  /** Resolves when every message added so far is durable. @throws DatabaseError (not transient), SpoolError, or when stopped during an outage. */
  commit(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#waiting.push({resolve, reject}))
    this.#running ??= this.#run().finally(() => (this.#running = undefined))
    return done
  }

  /** Stops draining the spool (what it holds stays on disk for the next run). */
  async stop(): Promise<void> {
    this.#stopDrain.abort()
    await this.#draining
  }

  get #spoolKey(): string {
    return `spool:${this.#spool?.id ?? ''}`
  }

  async #run(): Promise<void> {
    while (this.#waiting.length > 0) {
      const waiting = this.#waiting
      this.#waiting = []
      const messages = this.#messages
      const at = this.#batchAt ?? new Date().toISOString()
      this.#messages = []
      this.#batchAt = undefined
      try {
        await this.#store(messages, at)
        for (const waiter of waiting) waiter.resolve()
      } catch (error) {
        for (const waiter of waiting) waiter.reject(error)
      }
    }
  }

  async #store(messages: Message[], at: string): Promise<void> {
    if (messages.length === 0) return
    const spool = this.#spool
    if (spool === undefined) return this.#writeWaiting(messages, at)
    // a batch's spool records are numbered BATCH * PARTS + PART; a direct write moves the progress to the batch's last
    // possible number, so if its COMMIT happened though it failed, the records it is spooled as are skipped when drained
    const batch = Math.floor(this.#seq / PARTS) + 1
    this.#seq = batch * PARTS + PARTS - 1
    if (!this.#spooling) {
      try {
        await this.#writeBatches([{at, m: messages}], this.#seq)
        return
      } catch (error) {
        if (!isTransientDatabaseError(error)) throw error
        this.#spooling = true
        this.#log(`database unavailable (${(error as Error).message}): spooling to ${spool.dir} until it is back`)
      }
    }

    const payloads = spoolPayloads(at, messages, Math.max(MIN_RECORD_BYTES, Math.floor(spool.maxBytes / 4)))
    if (payloads.length > PARTS) throw new Error(`a batch of ${payloads.length} spool records: more than ${PARTS}`)
    const first = batch * PARTS
    const appending = (async () => {
      for (const [i, payload] of payloads.entries()) {
        await spool.append(first + i, payload, this.#signal)
        const waiting = this.#appended
        this.#appended = []
        for (const wake of waiting) wake()
      }
    })()
    this.#appending = appending.catch(() => undefined)
    try {
      await appending
    } finally {
      this.#appending = undefined
    }

    this.counts.spooled += messages.length
    this.#spoolLines += messages.length
    debug('spooled batches %d to %d: %d messages', first, first + payloads.length - 1, messages.length)
    this.#kickDrainer()
  }

  /** Stores batches in one transaction, moving the spool's progress to `lastSeq` with them. */
  async #writeBatches(batches: readonly SpooledBatch[], lastSeq: number): Promise<void> {
    const rows = this.#rows(batches)
    const spool = this.#spool!
    const step: ProgressStep = {
      expected: this.#hasProgressRow ? {offset: 0, line: this.#committed} : undefined,
      next: {key: this.#spoolKey, path: spool.dir, fingerprint: spool.id, fingerprintBytes: 0, offset: 0, line: lastSeq},
    }
    await this.#writer.write(rows.logs, rows.rejected, step)
    this.#hasProgressRow = true
    this.#committed = lastSeq
    this.#count(rows)
    debug('committed %d messages, %d rejected, through batch %d', rows.logs.count, rows.rejected.length, lastSeq)
  }

  /** The batches' messages as rows (parsed: accepted or rejected). */
  #rows(batches: readonly SpooledBatch[]): Batch {
    const builder = this.#builder
    try {
      for (const batch of batches) {
        builder.receivedAt = batch.at
        for (const [source, lineNo, text, tooLong, maxBytes] of batch.m) builder.add(lineNo, text, tooLong, source, maxBytes ?? undefined)
      }
    } catch (error) {
      builder.take(0, 0, 0) // nothing half-added stays for the next batch
      throw error
    }

    return builder.take(0, 0, 0)
  }

  #count(rows: Batch): void {
    this.counts.accepted += rows.logs.count
    this.counts.rejected += rows.rejected.length
    this.counts.blank += rows.blank
  }

  #kickDrainer(): void {
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined
      // a batch spooled while this drainer was finishing: drain it too
      if (this.#spooling && !this.#stopDrain.signal.aborted && this.#drainError === undefined) this.#kickDrainer()
    })
  }

  /** Replays the spool into the database in order, until it has caught up (then batches go to the database again) or is stopped. */
  async #drain(): Promise<void> {
    const spool = this.#spool!
    const stop = this.#stopDrain.signal
    let known = false
    let attempt = 0
    while (!stop.aborted) {
      try {
        if (!known) {
          // after a failure, what was committed is read back: a COMMIT that failed may have happened
          const progress = await readSourceProgress(this.#db, this.#spoolKey)
          this.#hasProgressRow = progress !== undefined
          this.#committed = progress?.line ?? 0
          known = true
        }

        const records = await spool.read(this.#committed, DRAIN_BYTES)
        if (records.length === 0) {
          if (this.#appending !== undefined) {
            // an append may wait for room that only deleting what is already stored makes (records a direct write
            // committed though it failed): delete it first, or both would wait for each other
            await spool.release(this.#committed)
            // the next record appended, not the whole batch: its last records may wait for room the earlier ones hold
            await Promise.race([this.#appending, new Promise<void>((resolve) => this.#appended.push(resolve))])
            continue
          }

          // an append may have ended while this read ran
          if (spool.lastSeq > this.#committed) continue
          // caught up, and nothing is being appended: batches go to the database again from here
          this.#spooling = false
          this.#log(`spool drained: the database has every batch up to ${this.#committed}`)
          await spool.release(this.#committed)
          return
        }

        const batches = records.map((record) => JSON.parse(record.payload.toString('utf8')) as SpooledBatch)
        await this.#writeBatches(batches, records.at(-1)!.seq)
        this.#spoolLines = Math.max(0, this.#spoolLines - batches.reduce((sum, batch) => sum + batch.m.length, 0))
        await spool.release(this.#committed)
        attempt = 0
      } catch (error) {
        known = false
        if (!isTransientDatabaseError(error)) {
          this.#drainError = error as Error
          this.#log(`spool: draining stopped: ${(error as Error).message} (what the spool holds stays there; the receiver spools until it is full)`)
          return
        }

        const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt++, 10))
        this.#onOutage?.(error, delay)
        if (!(await waitFor(delay, stop))) return
      }
    }
  }

  /** No spool: writes, waiting out an outage with backoff. */
  async #writeWaiting(messages: Message[], at: string): Promise<void> {
    const batch = this.#rows([{at, m: messages}])
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#writer.write(batch.logs, batch.rejected)
        this.#count(batch)
        debug('committed %d messages, %d rejected', batch.logs.count, batch.rejected.length)
        return
      } catch (error) {
        if (!isTransientDatabaseError(error)) throw error
        const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt, 10))
        this.#onOutage?.(error, delay)
        if (!(await waitFor(delay, this.#signal))) throw error
      }
    }
  }
}

/**
 * A batch as spool records (JSON `{at, m}`), each about `maxBytes` at most
 * (a single longer message is a record of its own): so a record fits in
 * the spool's bound.
 */
function spoolPayloads(at: string, messages: readonly Message[], maxBytes: number): Buffer[] {
  const head = `{"at":${JSON.stringify(at)},"m":[`
  const payloads: Buffer[] = []
  let parts: string[] = []
  let bytes = 0
  for (const message of messages) {
    const json = JSON.stringify(message)
    const size = Buffer.byteLength(json) + 1
    if (parts.length > 0 && bytes + size > maxBytes) {
      payloads.push(Buffer.from(`${head}${parts.join(',')}]}`))
      parts = []
      bytes = 0
    }

    parts.push(json)
    bytes += size
  }

  payloads.push(Buffer.from(`${head}${parts.join(',')}]}`))
  return payloads
}
