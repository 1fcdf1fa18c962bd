/**
 * The values of an artifact line's fields (a captured file, a recorded
 * session, a stored mail) as the profiler keeps them. Pure. Every value is
 * attacker-influenced: text is bounded and made storable, numbers and hashes
 * that do not parse are null rather than a guess.
 */
import {sliceWhole} from '../util/slice-whole.js'

/** Characters of an artifact's text value kept (a path, a command name, a subject...). */
export const MAX_ARTIFACT_TEXT = 512

/** NUL and lone UTF-16 surrogates: no database stores them as text. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Text of at most `max` characters (NUL and lone surrogates as U+FFFD); null for none, `''` or `-`. */
export function artifactText(value: unknown, max = MAX_ARTIFACT_TEXT): null | string {
  if (typeof value !== 'string' && typeof value !== 'number') return null
  const s = String(value)
  if (s === '' || s === '-') return null
  return storableText(sliceWhole(s, 0, max))
}

/** `text` with NUL and lone surrogates as U+FFFD. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD')
}

/** A SHA-256 in lower-case hex, or null when `value` is none. */
export function sha256Hex(value: unknown): null | string {
  return typeof value === 'string' && /^[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : null
}

/** A non-negative safe integer, or null. */
export function artifactCount(value: unknown): null | number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN
  return Number.isSafeInteger(n) && n >= 0 ? n : null
}

/** A non-negative number of seconds, or null. */
export function artifactSeconds(value: unknown): null | number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}(?:\.\d{1,9})?$/.test(value) ? Number(value) : Number.NaN
  return Number.isFinite(n) && n >= 0 ? n : null
}

/** `true`/`1`/`True` and `false`/`0`/`False` (and booleans) as booleans; anything else null. */
export function artifactFlag(value: unknown): boolean | null {
  if (value === true || value === 'true' || value === 'True' || value === '1' || value === 1) return true
  if (value === false || value === 'false' || value === 'False' || value === '0' || value === 0) return false
  return null
}
