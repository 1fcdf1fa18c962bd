import type {IngestSummary} from './ingest-summary.js'

import {describeStop} from './describe-stop.js'
import {DATABASE_FILE_REPLACED} from '../db/sqlite-driver.js'

/**
 * What `decnet ingest` tells the operator on stderr after a run, one line
 * each, without the program's prefix: each input that failed, each file
 * read again from its start, and, when the run stopped early, why and how
 * far each input got.
 *
 * @example
 * ```ts
 * for (const note of summaryNotes(summary)) process.stderr.write(`decnet ingest: ${note}\n`)
 * ```
 */
export function summaryNotes(summary: IngestSummary): string[] {
  const notes: string[] = []
  for (const {error} of summary.sources) if (error) notes.push(error.message)
  for (const source of summary.sources) {
    if (source.restart === 'truncated' || source.restart === 'replaced') notes.push(`${source.source} was ${source.restart} since the last run: read from its start`)
  }

  const {stopped} = summary
  if (stopped) {
    notes.push(stopped.by === 'database' ? `stopped: ${stopped.message}` : stopped.message)
    // with the database file gone, "N lines committed" would be false: they went with it
    if (stopped.code !== DATABASE_FILE_REPLACED) notes.push(...describeStop(summary))
  }

  return notes
}
