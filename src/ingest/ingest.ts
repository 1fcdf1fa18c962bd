import type {Kysely} from 'kysely'

import {DatabaseError} from '../db/errors.js'
import {LogWriter} from '../db/log-writer.js'
import type {Database} from '../db/schema.js'
import {SourceProgressConflict} from '../db/source-progress.js'
import type {IngestOptions} from './ingest-options.js'
import type {IngestSummary, SourceSummary} from './ingest-summary.js'
import {ingestSource} from './ingest-source.js'
import {InputError} from './input-error.js'

export type {IngestOptions, IngestProgress} from './ingest-options.js'
export type {IngestStop, IngestSummary, SourceSummary} from './ingest-summary.js'

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
