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
import {LOG_COLUMNS, PackedLogsReader, type PackedLogs} from './packed-logs.js'

/** Characters of COPY text per chunk handed to the connection. */
const CHUNK_CHARS = 512 * 1024

/** Bytes that must be escaped in COPY text: backslash, tab, newline, carriage return, NUL. */
const SPECIAL_BYTES = [0x5c, 0x09, 0x0a, 0x0d, 0x00] as const
const SPECIAL = /[\\\t\n\r\0]/g
const ESCAPES: Readonly<Record<string, string>> = {'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\000'}

/**
 * The rows of `packed` as COPY text in chunks of about half a megabyte, for
 * `copy "logs" (LOG_COLUMNS...) from stdin`.
 *
 * @example
 * ```ts
 * const chunks = copyText(builder.take())
 * // [<Buffer 32 30 32 36 2d 31 31 ... 09 ... 0a>]
 * ```
 */
export function copyText(packed: PackedLogs): Buffer[] {
  const chunks: Buffer[] = []
  if (packed.count === 0) return chunks
  const reader = new PackedLogsReader(packed)
  // nearly every batch has nothing to escape: scanning its bytes once (natively) spares a test per value
  const escape = hasSpecial(packed.ascii) || hasSpecial(packed.utf8)
  const ascii = packed.utf8.length === 0
  const values = new Array<unknown>(LOG_COLUMNS.length)
  const last = LOG_COLUMNS.length - 1
  let text = ''
  for (let r = 0; r < packed.count; r++) {
    reader.row(r, values)
    for (let c = 0; c <= last; c++) {
      const value = values[c] as string | null
      text += value === null ? '\\N' : escape ? escapeCopy(value) : value
      text += c === last ? '\n' : '\t'
    }

    if (text.length >= CHUNK_CHARS) {
      chunks.push(Buffer.from(text, ascii ? 'latin1' : 'utf8'))
      text = ''
    }
  }

  if (text.length > 0) chunks.push(Buffer.from(text, ascii ? 'latin1' : 'utf8'))
  return chunks
}

/** `value` with COPY text's special characters escaped. */
export function escapeCopy(value: string): string {
  SPECIAL.lastIndex = 0
  return SPECIAL.test(value) ? value.replaceAll(SPECIAL, (c) => ESCAPES[c]) : value
}

function hasSpecial(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return SPECIAL_BYTES.some((byte) => buffer.includes(byte))
}
