import {ux} from '@oclif/core'

import {DATABASE_FILE_REPLACED} from '../db/sqlite-driver.js'
import {ExitCode} from '../exit-codes.js'
import {describeStop} from '../ingest/describe-stop.js'
import type {IngestSummary} from '../ingest/ingest.js'

/**
 * What `decnet ingest` says at its end: messages on stderr (even under
 * `--json`: stdout then holds only the summary), and the exit code. Returns
 * the counts line for stdout. Following (`--follow`) ends by a signal as its
 * normal way to stop: that is exit 0, not 130 or 143.
 */
export function reportIngest(summary: IngestSummary, following = false): string {
  for (const {error} of summary.sources) if (error) ux.stderr(`decnet ingest: ${error.message}`)
  for (const source of summary.sources) {
    if (source.restart === 'truncated' || source.restart === 'replaced') ux.stderr(`decnet ingest: ${source.source} was ${source.restart} since the last run: read from its start`)
  }

  const {stopped} = summary
  if (stopped) {
    ux.stderr(`decnet ingest: ${stopped.by === 'database' ? `stopped: ${stopped.message}` : stopped.message}`)
    // with the database file gone, "N lines committed" would be false: they went with it
    if (stopped.code !== DATABASE_FILE_REPLACED) for (const line of describeStop(summary)) ux.stderr(`decnet ingest: ${line}`)
    if (stopped.by === 'database') process.exitCode = ExitCode.DATABASE
    else if (!following) process.exitCode = stopped.by === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED
  } else {
    const failed = summary.sources.find((source) => source.error && source.error.kind !== 'busy')?.error
    if (failed) process.exitCode = failed.kind === 'binary' ? ExitCode.INPUT_BINARY : ExitCode.INPUT_UNREADABLE
  }

  return `accepted ${summary.accepted}, rejected ${summary.rejected}`
}
