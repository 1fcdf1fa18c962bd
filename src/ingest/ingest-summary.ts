/** What `decnet ingest` reports: per input and over all inputs (see `ingest`). */
import type {RestartReason} from './resume-plan.js'

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
