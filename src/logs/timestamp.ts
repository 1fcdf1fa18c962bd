/**
 * Reads an RFC 5424 TIMESTAMP (`2026-11-26T13:32:51.123456+01:00`: RFC 3339
 * with up to 6 fractional digits, `Z` or a numeric offset) and returns it as
 * ISO-8601 UTC with milliseconds (`2026-11-26T12:32:51.123Z`); fractions
 * finer than a millisecond are truncated. Returns null when the text is not
 * such a timestamp or names an impossible date or time. Hand-rolled because
 * it runs once per ingested line.
 *
 * @example
 * ```ts
 * normaliseTimestamp('2026-11-26T13:32:51.5+01:00') // '2026-11-26T12:32:51.500Z'
 * normaliseTimestamp('Nov 26 13:32:51')             // null
 * ```
 */
export function normaliseTimestamp(text: string): string | null {
  const n = text.length
  if (n < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null
  const t = text.charCodeAt(10)
  if ((t !== 84 && t !== 116) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null
  const year = digits(text, 0, 4)
  const month = digits(text, 5, 2)
  const day = digits(text, 8, 2)
  const hour = digits(text, 11, 2)
  const minute = digits(text, 14, 2)
  const second = digits(text, 17, 2)
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null
  if (hour > 23 || minute > 59 || second > 60 || hour < 0 || minute < 0 || second < 0) return null

  let i = 19
  let ms = 0
  if (text.charCodeAt(i) === 46) {
    const start = ++i
    while (i < n && isDigit(text.charCodeAt(i))) i++
    const count = i - start
    if (count === 0 || count > 9) return null
    // milliseconds from the first three digits (".5" is 500 ms); finer digits are truncated
    ms = digits(text, start, Math.min(count, 3)) * (count === 1 ? 100 : count === 2 ? 10 : 1)
  }

  let offsetMinutes = 0
  const zone = text.charCodeAt(i)
  if (zone === 90 || zone === 122) {
    if (i + 1 !== n) return null
  } else if (zone === 43 || zone === 45) {
    if (i + 6 !== n || text.charCodeAt(i + 3) !== 58) return null
    const offsetHours = digits(text, i + 1, 2)
    const offsetMins = digits(text, i + 4, 2)
    if (offsetHours < 0 || offsetHours > 23 || offsetMins < 0 || offsetMins > 59) return null
    offsetMinutes = (zone === 43 ? 1 : -1) * (offsetHours * 60 + offsetMins)
  } else {
    return null
  }

  if (offsetMinutes === 0 && second < 60 && t === 84) {
    // already UTC: no date arithmetic needed (the common case, and the hot path)
    return `${text.slice(0, 19)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`
  }

  const epoch = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000
  return new Date(epoch).toISOString()
}

/** The number in `count` ASCII digits at `start`, or -1 when one is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i)
    if (!isDigit(c)) return -1
    value = value * 10 + (c - 48)
  }

  return value
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}
