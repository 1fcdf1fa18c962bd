/**
 * Packed log rows as PostgreSQL `COPY ... FROM STDIN` data in the text
 * format: one line per row, values separated by tabs, NULL as `\N`.
 *
 * A value's backslash, tab, newline and carriage return are written as
 * `\\`, `\t`, `\n` and `\r`, so an attacker's bytes reach the column
 * exactly as they were (the server undoes the escapes). A NUL cannot be
 * stored in PostgreSQL text: it is written as `\000`, which the server
 * refuses as an invalid byte sequence for UTF-8 (SQLSTATE 22021), the same
 * error a multi-row INSERT gets for it. (Lines holding control bytes never
 * get this far: they are rejected and stored escaped.) A lone UTF-16
 * surrogate is encoded as U+FFFD, as `pg` encodes a parameter.
 */
import {LOG_COLUMNS, NULL_SPAN, type PackedLogs} from './packed-logs.js'

const SPECIAL = /[\\\t\n\r\0]/g
const ESCAPES: Readonly<Record<string, string>> = {'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\000'}

const BACKSLASH = 0x5c
const TAB = 0x09
const NEWLINE = 0x0a
/** Per byte: 0 when it is copied as it is, the letter after the backslash of its escape, or NUL_ESCAPE. */
const NUL_ESCAPE = 0xff
/** Values this long or longer (without a byte to escape) are copied natively. */
const NATIVE_COPY_BYTES = 64
const ESCAPE_LETTER = escapeLetters()

/**
 * The rows of `packed` as COPY text, for `copy "logs" (LOG_COLUMNS...) from
 * stdin`. Built byte by byte from the packed buffers: the ASCII values (nearly
 * all) are never decoded into strings; the others are decoded once per batch.
 *
 * @example
 * ```ts
 * const chunks = copyText(builder.take())
 * // [<Buffer 32 30 32 36 2d 31 31 ... 09 ... 0a>]
 * ```
 */
export function copyText(packed: PackedLogs): Buffer[] {
  const {count, spans, ascii} = packed
  if (count === 0) return []
  const width = LOG_COLUMNS.length
  // an escape doubles a byte (a NUL's, \000, quadruples it); a UTF-16 unit takes up to 3 bytes
  const asciiGrowth = ascii.includes(0) ? 4 : 2
  let bound = 0
  for (let at = 0; at < spans.length; at += 2) {
    const start = spans[at]
    bound += 1 + (start === NULL_SPAN ? 2 : start >= 0 ? (spans[at + 1] - start) * asciiGrowth : (spans[at + 1] + start + 1) * 12)
  }

  const out = Buffer.allocUnsafe(bound)
  const source = Buffer.from(ascii.buffer, ascii.byteOffset, ascii.byteLength)
  // where the ASCII text holds a byte to escape (few places, or none): a value with none is one native copy
  const specials = specialPositions(source)
  let utf8: string | undefined
  let pos = 0
  for (let row = 0, at = 0; row < count; row++) {
    for (let c = 0; c < width; c++, at += 2) {
      const start = spans[at]
      const end = spans[at + 1]
      if (start === NULL_SPAN) {
        out[pos++] = BACKSLASH
        out[pos++] = 0x4e // N
      } else if (start >= 0) {
        // a native copy costs more than a loop over a short value (a timestamp, a name, an address)
        if (end - start < NATIVE_COPY_BYTES || firstAtOrAfter(specials, start) < end) pos = escapeBytes(source, start, end, out, pos)
        else pos += source.copy(out, pos, start, end)
      } else {
        utf8 ??= Buffer.from(packed.utf8.buffer, packed.utf8.byteOffset, packed.utf8.byteLength).toString('utf8')
        pos += out.write(escapeCopy(utf8.slice(-start - 1, end)), pos, 'utf8')
      }

      out[pos++] = c === width - 1 ? NEWLINE : TAB
    }
  }

  return [out.subarray(0, pos)]
}

/** `value` with COPY text's special characters escaped. */
export function escapeCopy(value: string): string {
  SPECIAL.lastIndex = 0
  return SPECIAL.test(value) ? value.replaceAll(SPECIAL, (c) => ESCAPES[c]) : value
}

/** Writes `source[start, end)` escaped into `out` at `pos`; returns the position after it. */
function escapeBytes(source: Uint8Array, start: number, end: number, out: Buffer, pos: number): number {
  for (let i = start; i < end; i++) {
    const byte = source[i]
    const letter = ESCAPE_LETTER[byte]
    if (letter === 0) out[pos++] = byte
    else if (letter === NUL_ESCAPE) pos += out.write('\\000', pos, 'latin1')
    else {
      out[pos++] = BACKSLASH
      out[pos++] = letter
    }
  }

  return pos
}

/** The positions of every byte to escape in `bytes`, in order (found natively, one search per kind of byte). */
function specialPositions(bytes: Buffer): Int32Array {
  const found: number[] = []
  for (const byte of [BACKSLASH, TAB, NEWLINE, 0x0d, 0x00]) {
    for (let at = bytes.indexOf(byte); at !== -1; at = bytes.indexOf(byte, at + 1)) found.push(at)
  }

  return Int32Array.from(found).sort()
}

/** The first of `sorted` at or after `at` (a binary search), or the largest int when none is. */
function firstAtOrAfter(sorted: Int32Array, at: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (sorted[middle] < at) low = middle + 1
    else high = middle
  }

  return low < sorted.length ? sorted[low] : 0x7f_ff_ff_ff
}

function escapeLetters(): Uint8Array {
  const letters = new Uint8Array(256)
  letters[BACKSLASH] = BACKSLASH
  letters[TAB] = 0x74 // t
  letters[NEWLINE] = 0x6e // n
  letters[0x0d] = 0x72 // r
  letters[0x00] = NUL_ESCAPE
  return letters
}
