import createDebug from 'debug'

import {isTransientDatabaseError} from '../../db/is-transient-error.js'
import type {LogWriter} from '../../db/log-writer.js'
import {SourceProgressConflict, type ProgressExpectation, type ProgressStep, type SourceProgress} from '../../db/source-progress.js'
import type {Batch} from '../batch-builder.js'
import {fingerprint} from '../fingerprint.js'
import type {SourceSummary} from '../ingest.js'
import {waitFor} from './wait-for.js'

const debug = createDebug('decnet:ingest')

/** Where a source's progress goes: undefined `key` for an input with no identity (nothing recorded). */
export interface CommitTarget {
  key: string | undefined
  /** The file as followed (its `ingest_sources.path`). */
  path: string
  /** The file's first bytes (up to `FINGERPRINT_BYTES`), as far as known. */
  head: Uint8Array
  /** The progress row as last seen. */
  expected: ProgressExpectation
}

/** How a committer treats a database outage. */
export interface CommitRetry {
  /** Read the stored progress (to tell "my commit landed before the connection died" from another writer). */
  readProgress: (key: string) => Promise<SourceProgress | undefined>
  /** Stops waiting for the database. */
  signal?: AbortSignal
  /** Called on each failed attempt that will be retried. */
  onOutage?: (error: unknown, delayMs: number) => void
}

const FIRST_DELAY_MS = 250
const MAX_DELAY_MS = 10_000

/**
 * Commits the batches of one followed input with its progress step, and
 * counts them in its summary. With `retry`, a database outage (see
 * `isTransientDatabaseError`) is waited out with backoff and the same batch
 * is written again; if the outage hid a commit that had landed (the
 * connection died before the answer), the stored progress says so and the
 * batch is not written twice.
 */
export class SourceCommitter {
  readonly #writer: LogWriter
  readonly #stats: SourceSummary
  readonly #retry: CommitRetry | undefined
  #target: CommitTarget
  #fingerprints = new Map<number, string>()

  constructor(writer: LogWriter, stats: SourceSummary, target: CommitTarget, retry?: CommitRetry) {
    this.#writer = writer
    this.#stats = stats
    this.#target = target
    this.#retry = retry
  }

  /** Switches to another file (rotation) or the same one read again from its start (truncation). */
  retarget(target: CommitTarget): void {
    this.#target = target
    this.#fingerprints = new Map()
  }

  /** The progress row as this committer last wrote or read it. */
  get expected(): ProgressExpectation {
    return this.#target.expected
  }

  /** The file's first bytes grew (it was shorter than `FINGERPRINT_BYTES` when first read). */
  setHead(head: Uint8Array): void {
    if (head.length === this.#target.head.length) return
    this.#target = {...this.#target, head}
    this.#fingerprints = new Map()
  }

  /**
   * Writes one batch (rows and progress in one transaction).
   *
   * @throws SourceProgressConflict (another run moved the progress), DatabaseError (not transient, or no retry), or the abort reason.
   */
  async commit(batch: Batch): Promise<void> {
    const step = this.#step(batch)
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#writer.write(batch.logs, batch.rejected, step)
        break
      } catch (error) {
        if (error instanceof SourceProgressConflict && step !== undefined && attempt > 0 && this.#retry) {
          // the previous attempt may have committed before its connection died
          const stored = await this.#retry.readProgress(step.next.key)
          if (stored?.offset === step.next.offset && stored.line === step.next.line) break
        }

        if (!this.#retry || !isTransientDatabaseError(error)) throw error
        const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt, 10))
        this.#retry.onOutage?.(error, delay)
        if (!(await waitFor(delay, this.#retry.signal))) throw error
      }
    }

    if (step) this.#target.expected = {offset: step.next.offset, line: step.next.line}
    const stats = this.#stats
    stats.accepted += batch.logs.count
    stats.rejected += batch.rejected.length
    stats.blank += batch.blank
    stats.lines += batch.lines - stats.lastLine
    stats.lastLine = batch.lines
    stats.offset = batch.endOffset
    debug('committed %s: up to line %d, byte %d', stats.source, stats.lastLine, stats.offset)
  }

  #step(batch: Batch): ProgressStep | undefined {
    const {key, path, head, expected} = this.#target
    if (key === undefined) return undefined
    const bytes = Math.min(head.length, batch.endOffset)
    let print = this.#fingerprints.get(bytes)
    if (print === undefined) this.#fingerprints.set(bytes, (print = fingerprint(head, bytes)))
    return {expected, next: {key, path, fingerprint: print, fingerprintBytes: bytes, offset: batch.endOffset, line: batch.lines}}
  }
}
