/**
 * DECNET's https decky logs its request headers with Python's `str()` of a
 * dict: `{'Host': 'x', 'User-Agent': "it's"}` (DECNET-EVENTS.md §0.2). This
 * reads that shape back, for dicts of strings only (what headers are), and
 * lists of strings (Redis `args`, DECNET-EVENTS.md §1.7).
 */

/** Characters of repr text read at most: headers longer than this are hostile, not a client's. */
const MAX_REPR = 65_536

/**
 * The string entries of a Python-repr dict of strings, in their order, or
 * null when `text` is not one (anything but string keys and values, or
 * broken quoting).
 *
 * @example
 * ```ts
 * parsePythonDict(`{'Host': 'web-01', 'User-Agent': "it's"}`) // [['Host', 'web-01'], ['User-Agent', "it's"]]
 * ```
 */
export function parsePythonDict(text: string): Array<[string, string]> | null {
  if (text.length > MAX_REPR) return null
  const reader = new ReprReader(text)
  reader.space()
  if (!reader.take('{')) return null
  const entries: Array<[string, string]> = []
  reader.space()
  if (reader.take('}')) return reader.atEnd() ? entries : null
  for (;;) {
    reader.space()
    const key = reader.string()
    reader.space()
    if (key === null || !reader.take(':')) return null
    reader.space()
    const value = reader.string()
    if (value === null) return null
    entries.push([key, value])
    reader.space()
    if (reader.take('}')) return reader.atEnd() ? entries : null
    if (!reader.take(',')) return null
  }
}

/**
 * The strings of a Python-repr list of strings (`['SET', 'dir', "it's"]`), or
 * null when `text` is not one. At most `maxItems` are read (the rest are
 * dropped, and the text need not be closed after them).
 *
 * @example
 * ```ts
 * parsePythonList(`['SET', 'dir', '/root/.ssh']`) // ['SET', 'dir', '/root/.ssh']
 * ```
 */
export function parsePythonList(text: string, maxItems = 64): null | string[] {
  if (text.length > MAX_REPR) return null
  const reader = new ReprReader(text)
  reader.space()
  if (!reader.take('[')) return null
  const items: string[] = []
  reader.space()
  if (reader.take(']')) return reader.atEnd() ? items : null
  for (;;) {
    reader.space()
    const item = reader.string()
    if (item === null) return null
    items.push(item)
    if (items.length >= maxItems) return items
    reader.space()
    if (reader.take(']')) return reader.atEnd() ? items : null
    if (!reader.take(',')) return null
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '\\': '\\', "'": "'", '"': '"', a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
})

class ReprReader {
  readonly #text: string
  #at = 0

  constructor(text: string) {
    this.#text = text
  }

  atEnd(): boolean {
    this.space()
    return this.#at === this.#text.length
  }

  space(): void {
    while (this.#at < this.#text.length && /\s/.test(this.#text[this.#at])) this.#at++
  }

  take(char: string): boolean {
    if (this.#text[this.#at] !== char) return false
    this.#at++
    return true
  }

  /** A quoted string literal (single or double quotes, Python's escapes), or null. */
  string(): null | string {
    const quote = this.#text[this.#at]
    if (quote !== "'" && quote !== '"') return null
    let out = ''
    for (let i = this.#at + 1; i < this.#text.length; i++) {
      const char = this.#text[i]
      if (char === quote) {
        this.#at = i + 1
        return out
      }

      if (char !== '\\') {
        out += char
        continue
      }

      const next = this.#text[++i]
      if (next === undefined) return null
      const simple = SIMPLE_ESCAPES[next]
      if (simple !== undefined) {
        out += simple
        continue
      }

      const digits = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0
      const hex = this.#text.slice(i + 1, i + 1 + digits)
      if (digits === 0 || !/^[\da-fA-F]+$/.test(hex) || hex.length !== digits) return null
      const code = Number.parseInt(hex, 16)
      if (code > 0x10_ffff) return null
      out += String.fromCodePoint(code)
      i += digits
    }

    return null
  }
}
