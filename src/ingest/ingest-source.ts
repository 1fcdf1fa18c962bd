import {resolve} from 'node:path'

import createDebug from 'debug'
import type {Kysely} from 'kysely'

import type {LogWriter} from '../db/log-writer.js'
import type {Database} from '../db/schema.js'
import {readSourceProgress, type ProgressExpectation, type ProgressStep} from '../db/source-progress.js'
import type {Batch} from './batch-builder.js'
import {FINGERPRINT_BYTES, fingerprint} from './fingerprint.js'
import type {IngestOptions} from './ingest-options.js'
import type {SourceSummary} from './ingest-summary.js'
import {unreadable} from './input-error.js'
import {openFile, readFrom} from './open-input.js'
import {readBatches, type ReadStart} from './read-batches.js'
import {planResume} from './resume-plan.js'
import {skipBytes, streamHead} from './stream-head.js'
import {threadedBatches} from './threaded-batches.js'
import {timedChunks} from './timed-chunks.js'

const debug = createDebug('decnet:ingest')

type Batches = AsyncIterable<{batch: Batch; totalBytes: number | undefined}>

/** What the writing loop needs to record a source's progress. */
interface Tracking {
  /** Undefined: the source has no identity (anonymous standard input, a pipe): nothing recorded. */
  key: string | undefined
  path: string
  head: Uint8Array
  expected: ProgressExpectation
  start: ReadStart
}

/**
 * Ingests one input (`-` is standard input) into `stats`: decides where to
 * start from its stored progress, reads it (a file on the parse thread),
 * and writes each batch with its progress step.
 *
 * @throws InputError, SourceProgressConflict, DatabaseError
 */
export async function ingestSource(db: Kysely<Database>, writer: LogWriter, input: string, stats: SourceSummary, options: IngestOptions & {batchSize: number}): Promise<void> {
  const {batchSize} = options
  if (input === '-') return ingestStdin(db, writer, stats, options, batchSize)
  const file = await openFile(input)
  try {
    stats.resumable = file.key !== undefined
    const stored = file.key === undefined ? undefined : await readSourceProgress(db, file.key)
    const plan = planResume(stored, {head: file.head, size: file.size}, options.fromStart === true)
    note(stats, plan.start, plan.restart)
    const regular = file.key !== undefined
    const data = {source: input, batchSize, fd: file.handle.fd, regular, start: plan.start, size: file.size}
    const batches: Batches =
      options.threads === false
        ? withSize(readBatches(readFrom(data.fd, plan.start.offset, regular), input, batchSize, plan.start), file.size)
        : threadedBatches(data, options.signal)
    await writeBatches(writer, batches, stats, options, {key: file.key, path: resolve(input), head: file.head, expected: stored, start: plan.start})
  } finally {
    await file.handle.close()
  }
}

async function ingestStdin(db: Kysely<Database>, writer: LogWriter, stats: SourceSummary, options: IngestOptions, batchSize: number): Promise<void> {
  const stdin = options.stdin ?? process.stdin
  // a blocked read of standard input must not outlive a SIGINT
  const onAbort = (): void => void stdin.destroy()
  options.signal?.addEventListener('abort', onAbort)
  try {
    const name = options.stdinName
    let stream: AsyncIterable<Buffer> = stdin
    let tracking: Tracking = {key: undefined, path: '-', head: Buffer.alloc(0), expected: undefined, start: {line: 0, offset: 0}}
    if (name !== undefined) {
      const key = `stream:${name}`
      let split
      try {
        split = await streamHead(stdin, FINGERPRINT_BYTES)
      } catch (error) {
        throw unreadable('-', error)
      }

      const head = split.head.subarray(0, FINGERPRINT_BYTES)
      const stored = await readSourceProgress(db, key)
      const plan = planResume(stored, {head, size: undefined}, options.fromStart === true)
      note(stats, plan.start, plan.restart)
      stream = plan.start.offset > 0 ? skipBytes(split.stream, plan.start.offset) : split.stream
      tracking = {key, path: name, head, expected: stored, start: plan.start}
    }

    const chunks = options.flushMs === undefined ? stream : timedChunks(stream, options.flushMs)
    await writeBatches(writer, withSize(readBatches(chunks, stats.source, batchSize, tracking.start), undefined), stats, options, tracking)
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

async function writeBatches(writer: LogWriter, batches: Batches, stats: SourceSummary, options: IngestOptions, tracking: Tracking): Promise<void> {
  let {expected} = tracking
  const fingerprints = new Map<number, string>()
  for await (const {batch, totalBytes} of batches) {
    if (options.signal?.aborted) break
    let step: ProgressStep | undefined
    if (tracking.key !== undefined && batch.endOffset > stats.offset) {
      const bytes = Math.min(tracking.head.length, batch.endOffset)
      let print = fingerprints.get(bytes)
      if (print === undefined) fingerprints.set(bytes, (print = fingerprint(tracking.head, bytes)))
      step = {expected, next: {key: tracking.key, path: tracking.path, fingerprint: print, fingerprintBytes: bytes, offset: batch.endOffset, line: batch.lines}}
    }

    await writer.write(batch.logs, batch.rejected, step)
    if (step) expected = {offset: step.next.offset, line: step.next.line}
    stats.accepted += batch.logs.count
    stats.rejected += batch.rejected.length
    stats.blank += batch.blank
    if (batch.lines > stats.lastLine) {
      stats.lines = batch.lines - tracking.start.line
      stats.lastLine = batch.lines
      stats.offset = batch.endOffset
    }

    debug('committed %s: up to line %d, byte %d', stats.source, stats.lastLine, stats.offset)
    // positions in the whole input, so a resumed file's progress line starts where it resumed
    options.onProgress?.({source: stats.source, lines: batch.lines, accepted: stats.accepted, rejected: stats.rejected, bytesRead: tracking.start.offset + batch.bytesRead, totalBytes})
  }
}

/** Records where the run starts in the summary. */
function note(stats: SourceSummary, start: ReadStart, restart: SourceSummary['restart']): void {
  stats.lastLine = start.line
  stats.offset = start.offset
  if (start.line > 0 || start.offset > 0) stats.resumedAfter = start.line
  if (restart) stats.restart = restart
}

async function* withSize(batches: AsyncIterable<Batch>, size: number | undefined): Batches {
  for await (const batch of batches) yield {batch, totalBytes: size}
}
