/** DECNET's own structured-data element: its parameters are a line's fields. */
export const DECNET_SD_ID = 'relay@55555'

/** Where the structured data ended, or why it could not be read. */
export type StructuredDataResult = {end: number; reason?: undefined} | {end: -1; reason: string}

/**
 * Reads the STRUCTURED-DATA part of an RFC 5424 line starting at `start`
 * (which holds `[`): one or more `[SD-ID PARAM="VALUE" ...]` elements, values
 * unescaped (`\"`, `\\`, `\]`; a backslash before anything else stays as is).
 * Parameters of {@link DECNET_SD_ID} go into `fields` under their own names;
 * those of any other element (e.g. logger's `timeQuality`) under
 * `SD-ID.NAME`, so nothing is lost and nothing collides. When a name repeats,
 * the first value wins.
 */
export function parseStructuredData(line: string, start: number, fields: Record<string, string>): StructuredDataResult {
  const n = line.length
  let i = start
  let backslash = line.indexOf('\\', start)
  while (i < n && line.charCodeAt(i) === 91) {
    // SD-ID
    let j = i + 1
    while (j < n && isNameChar(line.charCodeAt(j))) j++
    if (j >= n) return {end: -1, reason: 'unterminated SD element'}
    if (j === i + 1) return {end: -1, reason: `bad SD element: no SD-ID at column ${i + 2}`}
    const id = line.slice(i + 1, j)
    const prefix = id === DECNET_SD_ID ? '' : `${id}.`
    i = j
    for (;;) {
      const c = line.charCodeAt(i)
      if (c === 93) {
        i++
        break
      }

      if (c !== 32) return {end: -1, reason: `bad SD element "${id}": unexpected ${describe(line, i)}`}
      // PARAM-NAME="VALUE"
      j = ++i
      while (j < n && isNameChar(line.charCodeAt(j))) j++
      if (j >= n) return {end: -1, reason: 'unterminated SD element'}
      if (j === i) return {end: -1, reason: `bad SD element "${id}": unexpected ${describe(line, i)}`}
      const name = line.slice(i, j)
      if (line.charCodeAt(j) !== 61 || line.charCodeAt(j + 1) !== 34) {
        if (j + 1 >= n) return {end: -1, reason: 'unterminated SD element'}
        return {end: -1, reason: `bad SD param "${name}" in "${id}": expected ="VALUE"`}
      }

      i = j + 2
      // the closing quote is the first one not escaped; find it with indexOf, not char by char
      if (backslash !== -1 && backslash < i) backslash = line.indexOf('\\', i)
      j = line.indexOf('"', i)
      let escaped = false
      while (backslash !== -1 && j !== -1 && backslash < j) {
        escaped = true
        const after = backslash + 2 // the escaped character is skipped, even a quote
        if (after > j) j = line.indexOf('"', after)
        backslash = line.indexOf('\\', after)
      }

      if (j === -1) return {end: -1, reason: 'unterminated SD element'}
      const key = prefix === '' ? name : prefix + name
      if (!Object.hasOwn(fields, key)) setField(fields, key, escaped ? unescape(line, i, j) : line.slice(i, j))
      i = j + 1
      if (i >= n) return {end: -1, reason: 'unterminated SD element'}
    }
  }

  return {end: i}
}

/** Sets an own property, even `__proto__` (which plain assignment would swallow). */
export function setField(fields: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(fields, key, {value, enumerable: true, writable: true, configurable: true})
  else fields[key] = value
}

/** SD-NAME: printable US-ASCII except `=`, space, `]` and `"`. */
function isNameChar(c: number): boolean {
  return c > 32 && c < 127 && c !== 61 && c !== 93 && c !== 34
}

function unescape(line: string, start: number, end: number): string {
  let out = ''
  let from = start
  for (let i = start; i < end; i++) {
    if (line.charCodeAt(i) !== 92) continue
    const next = line.charCodeAt(i + 1)
    if (next === 34 || next === 92 || next === 93) {
      out += line.slice(from, i)
      from = i + 1
    }

    i++ // the escaped character is literal, even a backslash
  }

  return out + line.slice(from, end)
}

function describe(line: string, i: number): string {
  return i >= line.length ? 'end of line' : `"${line[i]}" at column ${i + 1}`
}
