/** What `ingest` takes besides the database and the inputs. */
import type {Readable} from 'node:stream'

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
  /** Lines per transaction (default `DEFAULT_BATCH_SIZE` of ingest.ts). */
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
