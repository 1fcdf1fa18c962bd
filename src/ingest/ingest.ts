import type {Readable} from 'node:stream'

import type {Kysely} from 'kysely'

import {DatabaseError} from '../db/errors.js'
import {LogWriter} from '../db/log-writer.js'
import type {Database} from '../db/schema.js'
import {SourceProgressConflict} from '../db/source-progress.js'
import {ingestSource} from './ingest-source.js'
import {InputError} from './input-error.js'
import type {RestartReason} from './resume-plan.js'

/**
 * Lines per transaction unless told otherwise. Large, so the fixed cost of a
 * commit (and on PostgreSQL of the append lock and round trips) is spread
 * over many lines; small enough that two batches in flight between the
 * threads stay around 30 MB.
 */
export const DEFAULT_BATCH_SIZE = 20_000

/**
 * How to open a SQLite database for a bulk ingest: a 64 MiB page cache and
 * an automatic checkpoint every 10,000 WAL pages (~40 MiB) instead of 1,000,
 * so the write-ahead log is copied into the database in fewer, larger steps.
 * Durability is unchanged (WAL, `synchronous=NORMAL`).
 */
export const INGEST_SQLITE_OPTIONS = Object.freeze({cacheSizeKiB: 64 * 1024, walAutocheckpointPages: 10_000})

/** What became of one input. */
export interface SourceSummary {
  /** The file as named; `-` for standard input, or its name given with `--source`. */
  source: string
  /** Whether a rerun can resume it: a regular file, or standard input named with `--source`. */
  resumable: boolean
  accepted: number
  rejected: number
  /** Empty or blank lines: skipped, not stored. */
  blank: number
  /** Lines committed by this run (blank lines included). */
  lines: number
  /** The number of the input's last committed line, earlier runs' included (0: none). */
  lastLine: number
  /** Where the input's bytes after that line start: a rerun reads from there. */
  offset: number
  /** Set when this run resumed where an earlier one stopped: the last line that one committed. */
  resumedAfter?: number
  /** Set when an earlier run's progress was not used: the input was truncated, replaced, or `--from-start` was given. */
  restart?: RestartReason
  /**
   * Set when the input could not be read, or not to the end (what was read
   * before is kept): `busy` means another `decnet ingest` was storing the
   * same input and stores the rest.
   */
  error?: {kind: 'unreadable' | 'binary' | 'busy'; code?: string; message: string}
}

/** Why a run stopped before the end of its inputs. */
export interface IngestStop {
  by: 'SIGINT' | 'SIGTERM' | 'database'
  message: string
  /** The database error's code, when there is one (`SQLITE_FULL`, `ECONNREFUSED`, ...). */
  code?: string
}

/** What `ingest` did, over all inputs. */
export interface IngestSummary {
  accepted: number
  rejected: number
  sources: SourceSummary[]
  /** Set when the run stopped early: a signal, or the database failed (everything counted here is committed). */
  stopped?: IngestStop
}

/** Progress after each batch, for a progress line. */
export interface IngestProgress {
  source: string
  lines: number
  accepted: number
  rejected: number
  bytesRead: number
  /** The file's size; undefined for standard input. */
  totalBytes: number | undefined
}

/** Options of {@link ingest}. */
export interface IngestOptions {
  /** Lines per transaction (default {@link DEFAULT_BATCH_SIZE}). */
  batchSize?: number
  /** What `-` reads (default `process.stdin`). */
  stdin?: Readable
  /** Names standard input, so a rerun of the same stream resumes it (`--source`). */
  stdinName?: string
  /**
   * Commits standard input's complete lines at most this long (ms) after
   * they were read, however few (`--flush`): lines trickling through a pipe
   * land within it. Undefined: only full batches and the end commit.
   */
  flushMs?: number
  /** Read every input from its start, whatever earlier runs stored (`--from-start`). */
  fromStart?: boolean
  /**
   * Parse files on a worker thread, overlapping with the database writes
   * (default true). Standard input is always parsed on this thread.
   */
  threads?: boolean
  /** Stops the run after the transaction in flight; its reason (`SIGINT`, `SIGTERM`) becomes `stopped.by`. */
  signal?: AbortSignal
  onProgress?: (progress: IngestProgress) => void
}

/**
 * Streams each input's lines into the database: accepted lines into `logs`,
 * the others into `rejected_lines` with their source, line number and
 * reason, in batches, one transaction per batch. A file (or standard input
 * named with `stdinName`) records how far it got in the same transaction, so
 * a rerun resumes after its last committed line (see `planResume`). An input
 * that cannot be read (missing, a directory, no permission, binary junk) is
 * recorded in its summary and the next input is still ingested. Files are
 * read and parsed on a worker thread while this thread writes. A database
 * failure or an aborted signal stops the run: the summary says so in
 * `stopped` and counts what was committed. The schema must be migrated already.
 *
 * @example
 * ```ts
 * const summary = await ingest(db, ['/var/log/decnet.log', '-'])
 * console.log(`accepted ${summary.accepted}, rejected ${summary.rejected}`)
 * ```
 */
export async function ingest(db: Kysely<Database>, sources: readonly string[], options: IngestOptions = {}): Promise<IngestSummary> {
  const writer = new LogWriter(db)
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE)
  const summary: IngestSummary = {accepted: 0, rejected: 0, sources: []}
  for (const input of sources.length === 0 ? ['-'] : sources) {
    if (options.signal?.aborted) break
    const named = input === '-' && options.stdinName !== undefined
    const stats: SourceSummary = {source: named ? options.stdinName! : input, resumable: named, accepted: 0, rejected: 0, blank: 0, lines: 0, lastLine: 0, offset: 0}
    summary.sources.push(stats)
    try {
      await ingestSource(db, writer, input, stats, {...options, batchSize})
    } catch (error) {
      if (error instanceof InputError) {
        if (!options.signal?.aborted) stats.error = {kind: error.kind, code: error.code, message: error.message}
      } else if (error instanceof SourceProgressConflict) {
        stats.error = {kind: 'busy', message: error.message}
      } else if (error instanceof DatabaseError) {
        summary.stopped = {by: 'database', message: error.message, code: error.code}
        break
      } else {
        throw error
      }
    } finally {
      summary.accepted += stats.accepted
      summary.rejected += stats.rejected
    }
  }

  if (summary.stopped === undefined && summary.sources.some((source) => source.lines > 0 || source.rejected > 0)) {
    try {
      // an empty transaction: on SQLite its commit checks that the database file is still the one
      // written to (not deleted or replaced since the last commit), so a run never ends with
      // "accepted N" while nothing is kept
      await db.transaction().execute(async () => {})
    } catch (error) {
      if (!(error instanceof DatabaseError)) throw error
      summary.stopped = {by: 'database', message: error.message, code: error.code}
    }
  }

  if (summary.stopped === undefined && options.signal?.aborted) {
    const by = options.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'
    summary.stopped = {by, message: `interrupted by ${by}`}
  }

  return summary
}
