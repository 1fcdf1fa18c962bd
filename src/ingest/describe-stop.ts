import type {IngestSummary, SourceSummary} from './ingest-summary.js'

/**
 * What an operator needs to hear when a run stopped early: per input it
 * touched, how many lines were committed, the last committed line and what
 * a rerun will do. One line per input, without the program's prefix.
 *
 * @example
 * ```ts
 * describeStop(summary) // ['/var/log/decnet.log: 40000 lines committed by this run (last committed line 40000, byte 6912345); a rerun resumes after it']
 * ```
 */
export function describeStop(summary: IngestSummary): string[] {
  return summary.sources.filter((source) => !source.error || source.lines > 0).map((source) => describeSource(source))
}

function describeSource(source: SourceSummary): string {
  const name = source.source === '-' ? 'standard input' : source.source
  const where = source.lastLine === 0 ? 'nothing committed' : `last committed line ${source.lastLine}, byte ${source.offset}`
  const what = `${name}: ${source.lines} lines committed by this run (${where})`
  if (source.resumable) return `${what}; a rerun resumes after it`
  if (source.source === '-') return `${what}; standard input has no identity: a rerun stores it again from its start (name it with --source NAME to resume)`
  return `${what}; ${name} is not a regular file: a rerun reads it again from its start`
}
