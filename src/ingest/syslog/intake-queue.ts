import createDebug from 'debug'

import {isTransientDatabaseError} from '../../db/is-transient-error.js'
import type {LogWriter} from '../../db/log-writer.js'
import {BatchBuilder} from '../batch-builder.js'
import {waitFor} from '../follow/wait-for.js'

const debug = createDebug('decnet:syslog')

const FIRST_DELAY_MS = 250
const MAX_DELAY_MS = 10_000

/** Counts of what the queue committed. */
export interface IntakeCounts {
  accepted: number
  rejected: number
  blank: number
}

/**
 * One writer for all the receiver's connections (group commit): messages
 * are added as they are framed, and `commit()` resolves once everything
 * added before it is in the database, in one transaction shared by every
 * connection waiting at that moment. A connection reads nothing more until
 * its `commit()` resolves, so nothing it sent is acknowledged by reading
 * on before it is stored. A database outage is waited out with backoff
 * (connections stay paused: TCP pushes back on their senders); `signal`
 * ends the wait, and the rows not committed are then lost with the
 * process (their senders must resend them, see docs/ingest.md).
 */
export class IntakeQueue {
  readonly #writer: LogWriter
  readonly #signal: AbortSignal | undefined
  readonly #onOutage: ((error: unknown, delayMs: number) => void) | undefined
  #builder = new BatchBuilder('syslog', new Date().toISOString())
  #waiting: Array<{resolve: () => void; reject: (error: unknown) => void}> = []
  #running: Promise<void> | undefined
  readonly counts: IntakeCounts = {accepted: 0, rejected: 0, blank: 0}

  constructor(writer: LogWriter, options: {signal?: AbortSignal; onOutage?: (error: unknown, delayMs: number) => void} = {}) {
    this.#writer = writer
    this.#signal = options.signal
    this.#onOutage = options.onOutage
  }

  /** Adds one message from `source` (its `lineNo`-th); `tooLongBytes` > 0: it broke `maxBytes` and `text` is its start. */
  add(source: string, lineNo: number, text: string, tooLongBytes = 0, maxBytes?: number): void {
    this.#builder.add(lineNo, text, tooLongBytes, source, maxBytes)
  }

  /** Resolves when every message added so far is committed. @throws DatabaseError (not transient), or when stopped during an outage. */
  commit(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#waiting.push({resolve, reject}))
    this.#running ??= this.#run().finally(() => (this.#running = undefined))
    return done
  }

  async #run(): Promise<void> {
    while (this.#waiting.length > 0) {
      const waiting = this.#waiting
      this.#waiting = []
      const batch = this.#builder.take(0, 0, 0)
      this.#builder = new BatchBuilder('syslog', new Date().toISOString())
      try {
        await this.#write(batch)
        this.counts.accepted += batch.logs.count
        this.counts.rejected += batch.rejected.length
        this.counts.blank += batch.blank
        debug('committed %d messages, %d rejected, for %d waiting', batch.logs.count, batch.rejected.length, waiting.length)
        for (const waiter of waiting) waiter.resolve()
      } catch (error) {
        for (const waiter of waiting) waiter.reject(error)
      }
    }
  }

  async #write(batch: ReturnType<BatchBuilder['take']>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#writer.write(batch.logs, batch.rejected)
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
