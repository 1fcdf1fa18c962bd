import type {Readable} from 'node:stream'

import type {Kysely} from 'kysely'

import {LogWriter} from '../db/log-writer.js'
import type {Database} from '../db/schema.js'
import type {Batch} from './batch-builder.js'
import {InputError} from './input-error.js'
import {openInput} from './open-input.js'
import {readBatches} from './read-batches.js'
import {threadedBatches} from './threaded-batches.js'

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
  /** The file as named, or `-` for standard input. */
  source: string
  accepted: number
  rejected: number
  /** Empty or blank lines: skipped, not stored. */
  blank: number
  /** Set when the input could not be read (what was read before a read error is kept). */
  error?: {kind: 'unreadable' | 'binary'; code?: string; message: string}
}

/** What `ingest` did, over all inputs. */
export interface IngestSummary {
  accepted: number
  rejected: number
  sources: SourceSummary[]
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
  /**
   * Parse files on a worker thread, overlapping with the database writes
   * (default true). Standard input is always parsed on this thread.
   */
  threads?: boolean
  onProgress?: (progress: IngestProgress) => void
}

/**
 * Streams each input's lines into the database: accepted lines into `logs`,
 * the others into `rejected_lines` with their source, line number and
 * reason, in batches, one transaction per batch. An input that cannot be
 * read (missing, a directory, no permission, binary junk) is recorded in its
 * summary and the next input is still ingested. Files are read and parsed on
 * a worker thread while this thread writes. A database failure stops
 * everything with a `DatabaseError`. The schema must be migrated already.
 *
 * @example
 * ```ts
 * const summary = await ingest(db, ['/var/log/decnet.log', '-'])
 * console.log(`accepted ${summary.accepted}, rejected ${summary.rejected}`)
 * ```
 */
export async function ingest(db: Kysely<Database>, sources: readonly string[], options: IngestOptions = {}): Promise<IngestSummary> {
  const writer = new LogWriter(db)
  const summary: IngestSummary = {accepted: 0, rejected: 0, sources: []}
  for (const source of sources.length === 0 ? ['-'] : sources) {
    const stats: SourceSummary = {source, accepted: 0, rejected: 0, blank: 0}
    summary.sources.push(stats)
    try {
      await ingestSource(source, writer, stats, options)
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      stats.error = {kind: error.kind, code: error.code, message: error.message}
    } finally {
      summary.accepted += stats.accepted
      summary.rejected += stats.rejected
    }
  }

  return summary
}

async function ingestSource(source: string, writer: LogWriter, stats: SourceSummary, options: IngestOptions): Promise<void> {
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE)
  const batches = source === '-' || options.threads === false ? inThread(source, batchSize, options) : threadedBatches(source, batchSize)
  for await (const {batch, totalBytes} of batches) {
    await writer.write(batch.logs, batch.rejected)
    stats.accepted += batch.logs.count
    stats.rejected += batch.rejected.length
    stats.blank += batch.blank
    options.onProgress?.({source, lines: batch.lines, accepted: stats.accepted, rejected: stats.rejected, bytesRead: batch.bytesRead, totalBytes})
  }
}

async function* inThread(source: string, batchSize: number, options: IngestOptions): AsyncGenerator<{batch: Batch; totalBytes: number | undefined}> {
  const {stream, size} = await openInput(source, options.stdin)
  for await (const batch of readBatches(stream, source, batchSize)) yield {batch, totalBytes: size}
}
