import {resolve} from 'node:path'
import type {Readable} from 'node:stream'

import type {Kysely} from 'kysely'

import {DatabaseError} from '../../db/errors.js'
import {LogWriter} from '../../db/log-writer.js'
import type {Database} from '../../db/schema.js'
import {SourceProgressConflict, readSourceProgress} from '../../db/source-progress.js'
import {ingest, type IngestSummary, type SourceSummary} from '../ingest.js'
import {FileFollower, type FollowedSource} from './file-follower.js'

/** Options of {@link follow}. */
export interface FollowOptions {
  batchSize: number
  /** Complete lines are committed at most this long (ms) after they were read. */
  flushMs: number
  fromStart?: boolean
  /** Stops following after committing what was read; its reason (`SIGINT`, `SIGTERM`) becomes `stopped.by`. */
  signal?: AbortSignal
  stdin?: Readable
  stdinName?: string
  /** Told of each database outage being waited out. */
  onWarning?: (message: string) => void
  /** Given each followed file's live counts as its follower starts (they change as it goes: a worker reports them). */
  onSource?: (source: FollowedSource) => void
}

/** What {@link follow} did: the summary of `ingest`, with a followed file's counts of rotations and truncations. */
export interface FollowSummary extends IngestSummary {
  sources: Array<SourceSummary | FollowedSource>
}

/**
 * Follows files (`tail -F`, see `FileFollower`) and standard input (`-`, read
 * to its end, committed at least every `flushMs`) at once, until the signal
 * aborts (or, with standard input alone, its end). A database outage is
 * waited out (backoff, the batch kept, nothing read meanwhile); a database
 * error that retrying cannot cure stops everything, committed lines kept.
 *
 * @example
 * ```ts
 * const stop = new AbortController()
 * const summary = await follow(db, ['/var/log/decnet/decnet.log'], {batchSize: 20_000, flushMs: 1000, signal: stop.signal})
 * ```
 */
export async function follow(db: Kysely<Database>, inputs: readonly string[], options: FollowOptions): Promise<FollowSummary> {
  const writer = new LogWriter(db)
  const inner = new AbortController()
  const forward = (): void => inner.abort(options.signal?.reason)
  if (options.signal?.aborted) forward()
  options.signal?.addEventListener('abort', forward, {once: true})
  const summary: FollowSummary = {accepted: 0, rejected: 0, sources: []}
  const stopFor = (error: DatabaseError): void => {
    summary.stopped ??= {by: 'database', message: error.message, code: error.code}
    inner.abort('database')
  }

  const retry = {
    readProgress: (key: string) => readSourceProgress(db, key),
    signal: inner.signal,
    onOutage: (error: unknown, delayMs: number) => options.onWarning?.(`database unavailable (${(error as Error).message}); retrying in ${(delayMs / 1000).toFixed(1)} s`),
  }

  const followFile = async (input: string): Promise<void> => {
    const stats: FollowedSource = {source: input, resumable: true, accepted: 0, rejected: 0, blank: 0, lines: 0, lastLine: 0, offset: 0, rotations: 0, truncations: 0}
    summary.sources.push(stats)
    options.onSource?.(stats)
    const follower = new FileFollower(db, writer, resolve(input), stats, {batchSize: options.batchSize, flushMs: options.flushMs, fromStart: options.fromStart, signal: inner.signal, retry})
    try {
      await follower.run()
    } catch (error) {
      if (error instanceof SourceProgressConflict) stats.error = {kind: 'busy', message: error.message}
      else if (error instanceof DatabaseError) stopFor(error)
      else {
        inner.abort('error') // a bug: stop the other inputs too
        throw error
      }
    }
  }

  const followStdin = async (): Promise<void> => {
    const result = await ingest(db, ['-'], {batchSize: options.batchSize, flushMs: options.flushMs, signal: inner.signal, stdin: options.stdin, stdinName: options.stdinName, threads: false})
    summary.sources.push(...result.sources)
    if (result.stopped?.by === 'database') summary.stopped ??= result.stopped
  }

  try {
    await Promise.all(inputs.map((input) => (input === '-' ? followStdin() : followFile(input))))
  } finally {
    options.signal?.removeEventListener('abort', forward)
  }

  for (const source of summary.sources) {
    summary.accepted += source.accepted
    summary.rejected += source.rejected
  }

  if (summary.stopped === undefined && options.signal?.aborted) {
    const by = options.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'
    summary.stopped = {by, message: `stopped following by ${by}`}
  }

  return summary
}
