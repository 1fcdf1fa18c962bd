/**
 * Small statistics and number formatting for the report.
 */

/** The median of a non-empty list (mean of the two middle values for even lengths). */
export function median(values) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The mean of a non-empty list. */
export function mean(values) {
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length
}

/** `value` with `digits` decimals, or `n/a`. */
export function fixed(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

/** `a / b` as `1.23×`, or empty when either is missing. */
export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : ''
}

/** kB as MiB with two decimals. */
export function mib(kb) {
  return fixed(kb / 1024, 2)
}

/** A list of samples, rounded, for the details section. */
export function samples(values, digits = 1) {
  return values.map((v) => fixed(v, digits)).join(', ')
}
