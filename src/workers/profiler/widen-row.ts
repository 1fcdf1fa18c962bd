/**
 * What every merged profile row (a credential, a fingerprint, an SMTP target)
 * does when one more of its lines is folded in: its first and last seen, and
 * its first and last log ids, widen to cover that line.
 */

/** The times and log ids a merged row spans. */
export interface SpanningRow {
  first_seen: string
  last_seen: string
  first_log_id: number
  last_log_id: number
}

/**
 * Widens `row` to cover the line `id` at `timestamp`; true when that line is
 * now the row's first (a caller keeping the first line's details takes them).
 *
 * @example
 * ```ts
 * if (widenRow(row, '2026-11-26T10:00:00.000Z', 42)) row.details = details
 * ```
 */
export function widenRow(row: SpanningRow, timestamp: string, id: number): boolean {
  if (timestamp < row.first_seen) row.first_seen = timestamp
  if (timestamp > row.last_seen) row.last_seen = timestamp
  if (id > row.last_log_id) row.last_log_id = id
  if (id >= row.first_log_id) return false
  row.first_log_id = id
  return true
}
