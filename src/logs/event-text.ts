/**
 * Helpers shared by the extractors that turn an event into the text a rule
 * field reads (database statements, mail, captured files, network sensor
 * events): every value the attacker chose is cut to a bound and kept on one
 * line with its control bytes written as `\xNN`, so a value can neither forge
 * a line of its own nor put raw control bytes into stored evidence.
 */
import {sliceWhole} from '../util/slice-whole.js'
import {normaliseEventType} from './fields.js'

const CONTROL = /[\u0000-\u001F\u007F]/g

/**
 * `text` with its control bytes (line breaks and tabs included) written as
 * `\xNN`, cut to at most `max` characters (never halving a character; an
 * escape at the cut may lose its end).
 *
 * @example
 * ```ts
 * oneLine('FLUSHALL\r\nSET x 1', 64) // 'FLUSHALL\\x0d\\x0aSET x 1'
 * ```
 */
export function oneLine(text: string, max: number): string {
  const escaped = sliceWhole(text, 0, max).replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return escaped.length > max ? sliceWhole(escaped, 0, max) : escaped
}

/** A field as text: a string as is, a number in decimal, anything else (absent, an object) null. */
export function textField(fields: Readonly<Record<string, unknown>>, name: string): null | string {
  const value = fields[name]
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return null
}

/** Lines joined with `\n` and cut, at a line boundary, to `max` characters. */
export function joinLines(lines: readonly string[], max: number): string {
  let length = 0
  let count = 0
  for (const line of lines) {
    const next = length + (count === 0 ? 0 : 1) + line.length
    if (next > max) break
    length = next
    count++
  }

  return lines.slice(0, count).join('\n')
}

const NEEDS_NORMALISING = /[A-Z.\-\s]/

/**
 * `eventType` in its normal spelling ({@link normaliseEventType}) when that
 * is one of `types`, else null. Cheap for the common case, an event type
 * already in its normal spelling (DECNET's are): no string is built unless
 * the type needs normalising. Each extractor calls it once per row.
 *
 * @example
 * ```ts
 * eventTypeIn('Message-Stored', new Set(['message_stored'])) // 'message_stored'
 * eventTypeIn('login_failed', new Set(['message_stored']))   // null
 * ```
 */
export function eventTypeIn(eventType: string, types: {has(type: string): boolean}): null | string {
  if (types.has(eventType)) return eventType
  if (!NEEDS_NORMALISING.test(eventType)) return null
  const normal = normaliseEventType(eventType)
  return types.has(normal) ? normal : null
}
