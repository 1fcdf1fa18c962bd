import type {Readable} from 'node:stream'

import type {Kysely} from 'kysely'

import {DatabaseError} from '../db/errors.js'
import {LogWriter} from '../db/log-writer.js'
import type {LogInsert, RejectedInsert} from '../db/log-writer.js'
import type {Database} from '../db/schema.js'
import {MAX_LINE_BYTES, parseLine} from '../logs/parse.js'
import {InputError, unreadable} from './input-error.js'
import {LineSplitter} from './line-splitter.js'
import {BINARY_SNIFF_BYTES, looksBinary} from './looks-binary.js'
import {openInput} from './open-input.js'

/**
 * Lines per transaction unless told otherwise. Large: on SQLite every
 * transaction rewrites each index page it touched, so fewer, bigger
 * transactions write far less (measured: 5,000 -> 20,000 is ~1.5x faster).
 */
export const DEFAULT_BATCH_SIZE = 20_000

/**
 * The SQLite page cache (KiB) to open the database with for a bulk ingest:
 * the attacker-ip index pages stay in memory across batches.
 */
export const INGEST_SQLITE_CACHE_KIB = 64 * 1024

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
  onProgress?: (progress: IngestProgress) => void
}

/**
 * Streams each input's lines into the database: accepted lines into `logs`,
 * the others into `rejected_lines` with their source, line number and
 * reason, in batches, one transaction per batch. An input that cannot be
 * read (missing, a directory, no permission, binary junk) is recorded in its
 * summary and the next input is still ingested. A database failure stops
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
  const {stream, size} = await openInput(source, options.stdin ?? process.stdin)
  const receivedAt = new Date().toISOString()
  let logs: LogInsert[] = []
  let rejected: RejectedInsert[] = []
  let bytesRead = 0
  const reject = (lineNo: number, reason: string, text: string): void => {
    rejected.push({source, line_no: lineNo, reason, raw_line: text.replaceAll('\0', '\uFFFD'), received_at: receivedAt})
  }

  const splitter = new LineSplitter((lineNo, text, tooLongBytes) => {
    if (tooLongBytes > 0) return reject(lineNo, `line too long (${tooLongBytes} bytes, max ${MAX_LINE_BYTES})`, text)
    if (text.length === 0 || text.trim() === '') {
      stats.blank++
      return
    }

    if (text.includes('\0')) return reject(lineNo, 'NUL byte in line', text)
    const result = parseLine(text)
    if (!result.ok) return reject(lineNo, result.reason, text)
    const {line} = result
    logs.push({
      timestamp: line.timestamp ?? receivedAt,
      decky: line.decky,
      service: line.service,
      event_type: line.eventType,
      attacker_ip: line.attackerIp,
      raw_line: text,
      fields: JSON.stringify(line.fields),
      msg: line.msg,
    })
  }, MAX_LINE_BYTES)

  const flush = async (): Promise<void> => {
    const [batch, batchRejected] = [logs, rejected]
    logs = []
    rejected = []
    await writer.write(batch, batchRejected)
    stats.accepted += batch.length
    stats.rejected += batchRejected.length
    options.onProgress?.({source, lines: splitter.lineCount, accepted: stats.accepted, rejected: stats.rejected, bytesRead, totalBytes: size})
  }

  // the first few KiB decide whether this is text at all: nothing is stored from binary junk
  let head: Buffer[] | undefined = []
  let headBytes = 0
  const sniff = (): void => {
    const start = Buffer.concat(head!, headBytes)
    head = undefined
    if (looksBinary(start)) throw new InputError('binary', source, `${source === '-' ? 'standard input' : source} is not text (binary data)`)
    splitter.push(start)
  }

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length
      if (head !== undefined) {
        head.push(chunk)
        headBytes += chunk.length
        if (headBytes < BINARY_SNIFF_BYTES) continue
        sniff()
      } else {
        splitter.push(chunk)
      }

      if (logs.length + rejected.length >= batchSize) await flush()
    }
  } catch (error) {
    if (error instanceof InputError || error instanceof DatabaseError) throw error
    await flush() // keep the complete lines read before the failure
    throw unreadable(source, error)
  }

  if (head !== undefined) sniff()
  splitter.end()
  await flush()
}
