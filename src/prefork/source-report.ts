/**
 * What a worker says about each source it reads (`ctx.report(sources)`):
 * a followed file, or a listener of the syslog receiver. The master keeps
 * the latest report of each child and `decnet fleet status` shows it. The
 * child entry sends it as is; the master reads it through
 * {@link sanitizeSourceReports}, since a child must not be trusted blindly.
 * This file imports nothing.
 */

/** One source of a worker, at the time of its report. */
export interface SourceReport {
  /** The file's path, or the listener's address (`tls://0.0.0.0:6514`). */
  readonly source: string
  readonly kind: 'file' | 'listener'
  /** Lines stored into `logs` by this process. */
  readonly accepted: number
  /** Lines stored into `rejected_lines` by this process. */
  readonly rejected: number
  /** A file's bytes not read yet (its size past the last line read); null when unknown (no file yet). */
  readonly lagBytes: null | number
  /** Lines received and not yet committed (the spool's depth where there is one); null when not known. */
  readonly queued: null | number
  /** A listener's open connections (UDP: null); a file: null. */
  readonly connections: null | number
  /** The last thing that went wrong (a refused client, a database outage, a missing file); null: nothing. */
  readonly lastError: null | string
  /** When `lastError` happened (ISO 8601). */
  readonly lastErrorAt: null | string
}

/** At most this many sources are kept per worker. */
export const MAX_SOURCE_REPORTS = 64
/** The longest text kept in a report. */
const MAX_TEXT = 300

/**
 * The reports in `value` that are well-formed (at most
 * {@link MAX_SOURCE_REPORTS}, texts cut to 300 characters); undefined when
 * `value` is not an array.
 */
export function sanitizeSourceReports(value: unknown): SourceReport[] | undefined {
  if (!Array.isArray(value)) return undefined
  const reports: SourceReport[] = []
  for (const item of value.slice(0, MAX_SOURCE_REPORTS) as unknown[]) {
    if (typeof item !== 'object' || item === null) continue
    const r = item as Record<string, unknown>
    if (typeof r.source !== 'string' || (r.kind !== 'file' && r.kind !== 'listener')) continue
    reports.push(
      Object.freeze({
        accepted: count(r.accepted) ?? 0,
        connections: count(r.connections),
        kind: r.kind,
        lagBytes: count(r.lagBytes),
        lastError: typeof r.lastError === 'string' ? r.lastError.slice(0, MAX_TEXT) : null,
        lastErrorAt: typeof r.lastErrorAt === 'string' && !Number.isNaN(Date.parse(r.lastErrorAt)) ? r.lastErrorAt.slice(0, 40) : null,
        queued: count(r.queued),
        rejected: count(r.rejected) ?? 0,
        source: r.source.slice(0, MAX_TEXT),
      }),
    )
  }

  return reports
}

function count(value: unknown): null | number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null
}
