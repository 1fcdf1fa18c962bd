/**
 * Rows of `logs` packed into two strings and one Int32Array, for the bulk
 * ingest path: handing a batch from the parse thread to the writing thread,
 * and binding it row by row without building an object per row.
 *
 * Why: a structured clone of a batch as objects copies eight small strings
 * per row and allocates them again on the other side (measured ~4 us per row
 * on each thread, plus the garbage of thousands of strings kept alive until
 * the batch is sent). Packed, a batch is two UTF-8 buffers and an Int32Array
 * of spans, moved between threads without a copy. `text` holds the raw lines
 * back to back, and a message that ends its line is a span of it (sliced, not
 * copied); the other values are appended to `extra`.
 */
import type {NewLog} from './schema.js'

/** A row for `logs`, every column given (the hot path does no defaulting). */
export type LogInsert = Required<Omit<NewLog, 'id'>>

/** The columns of `logs` a writer fills, in the order of a packed row. */
export const LOG_COLUMNS = ['timestamp', 'decky', 'service', 'event_type', 'attacker_ip', 'raw_line', 'fields', 'msg'] as const

/**
 * Log rows packed for a hand-off between threads: every part is an
 * ArrayBuffer view, so `postMessage` can move them without copying.
 */
export interface PackedLogs {
  readonly count: number
  /** UTF-8: the raw lines, back to back. */
  readonly text: Uint8Array
  /** UTF-8: the values that are not spans of their raw line. */
  readonly extra: Uint8Array
  /**
   * Per row, per column of {@link LOG_COLUMNS}: start and end, in characters
   * of the decoded strings. A start >= 0 is into `text`; {@link NULL_SPAN} is
   * SQL NULL; any other negative start `s` is into `extra`, from `-s - 1`.
   */
  readonly spans: Int32Array
}

/** The start of a NULL value. */
export const NULL_SPAN = -0x8000_0000

const WIDTH = LOG_COLUMNS.length
const RAW = LOG_COLUMNS.indexOf('raw_line')
const MSG = LOG_COLUMNS.indexOf('msg')

/**
 * Packs rows one at a time, encoding their strings into two growing byte
 * buffers at once: nothing per row stays on the JavaScript heap until the
 * batch is taken (thousands of retained strings are what makes garbage
 * collection expensive).
 *
 * @example
 * ```ts
 * const builder = new PackedLogsBuilder()
 * builder.add(row)
 * const packed = builder.take()
 * worker.postMessage(packed, transferList(packed))
 * ```
 */
export class PackedLogsBuilder {
  #text = new Utf8Buffer()
  #extra = new Utf8Buffer()
  #spans = new Int32Array(WIDTH * 2 * 256)
  #count = 0

  /** Rows added since the last take. */
  get count(): number {
    return this.#count
  }

  /** Characters held (raw lines and the rest): a batch must stay far below V8's longest string. */
  get chars(): number {
    return this.#text.chars + this.#extra.chars
  }

  add(row: LogInsert): void {
    if ((this.#count + 1) * WIDTH * 2 > this.#spans.length) {
      const grown = new Int32Array(this.#spans.length * 2)
      grown.set(this.#spans)
      this.#spans = grown
    }

    const raw = row.raw_line
    const rawStart = this.#text.append(raw)
    const rawEnd = rawStart + raw.length
    // the other values go into `extra` as one string per row: one append, not one per value
    let extra = ''
    let extraAt = this.#extra.chars
    let at = this.#count * WIDTH * 2
    for (let c = 0; c < WIDTH; c++, at += 2) {
      const value = row[LOG_COLUMNS[c]!]
      if (c === RAW) {
        this.#span(at, rawStart, rawEnd)
      } else if (value === null) {
        this.#span(at, NULL_SPAN, 0)
      } else if (c === MSG && value.length > 0 && raw.endsWith(value)) {
        this.#span(at, rawEnd - value.length, rawEnd)
      } else {
        this.#span(at, -extraAt - 1, extraAt + value.length)
        extra += value
        extraAt += value.length
      }
    }

    this.#extra.append(extra)
    this.#count++
  }

  /** The rows added so far, packed; the builder starts empty again. */
  take(): PackedLogs {
    const packed = {count: this.#count, extra: this.#extra.take(), spans: this.#spans.slice(0, this.#count * WIDTH * 2), text: this.#text.take()}
    this.#count = 0
    return packed
  }

  #span(at: number, start: number, end: number): void {
    this.#spans[at] = start
    this.#spans[at + 1] = end
  }
}

/** The buffers of `packed`, for `postMessage`'s transfer list. */
export function transferList(packed: PackedLogs): ArrayBuffer[] {
  return [packed.text.buffer, packed.extra.buffer, packed.spans.buffer] as ArrayBuffer[]
}

/**
 * Reads packed rows: decodes the two byte buffers once, then hands out each
 * row's values (long strings as slices of the decoded text, not copies).
 */
export class PackedLogsReader {
  readonly count: number
  readonly #text: string
  readonly #extra: string
  readonly #spans: Int32Array

  constructor(packed: PackedLogs) {
    this.count = packed.count
    this.#text = Buffer.from(packed.text.buffer, packed.text.byteOffset, packed.text.byteLength).toString('utf8')
    this.#extra = Buffer.from(packed.extra.buffer, packed.extra.byteOffset, packed.extra.byteLength).toString('utf8')
    this.#spans = packed.spans
  }

  /** Fills `into` with row `index`'s values in {@link LOG_COLUMNS} order. */
  row(index: number, into: unknown[]): void {
    const spans = this.#spans
    let at = index * WIDTH * 2
    for (let c = 0; c < WIDTH; c++, at += 2) {
      const start = spans[at]!
      const end = spans[at + 1]!
      into[c] = start >= 0 ? this.#text.slice(start, end) : start === NULL_SPAN ? null : this.#extra.slice(-start - 1, end)
    }
  }
}

/** The rows as objects (for PostgreSQL's multi-row statements, and for tests). */
export function unpackLogs(packed: PackedLogs): LogInsert[] {
  const reader = new PackedLogsReader(packed)
  const values: unknown[] = new Array(WIDTH)
  const rows: LogInsert[] = new Array(packed.count)
  for (let r = 0; r < packed.count; r++) {
    reader.row(r, values)
    const row: Record<string, unknown> = {}
    for (let c = 0; c < WIDTH; c++) row[LOG_COLUMNS[c]!] = values[c]
    rows[r] = row as LogInsert
  }

  return rows
}

/**
 * Strings appended as UTF-8 into one growing buffer, counted in characters
 * (what the decoded string's offsets are in). Strings from decoded input or
 * `JSON.stringify` hold no lone surrogates, so encoding and decoding give
 * back exactly as many characters.
 */
class Utf8Buffer {
  #bytes = Buffer.allocUnsafeSlow(1024 * 1024)
  #used = 0
  #chars = 0

  get chars(): number {
    return this.#chars
  }

  /** Appends `text`; returns its start in characters. */
  append(text: string): number {
    const most = text.length * 3
    if (this.#used + most > this.#bytes.length) this.#grow(this.#used + most)
    this.#used += this.#bytes.write(text, this.#used, 'utf8')
    const start = this.#chars
    this.#chars += text.length
    return start
  }

  /** The bytes so far, in a buffer of their own; starts empty again. */
  take(): Uint8Array {
    const taken = new Uint8Array(this.#bytes.buffer, 0, this.#used)
    this.#bytes = Buffer.allocUnsafeSlow(this.#bytes.length)
    this.#used = 0
    this.#chars = 0
    return taken
  }

  #grow(atLeast: number): void {
    const grown = Buffer.allocUnsafeSlow(Math.max(atLeast, this.#bytes.length * 2))
    this.#bytes.copy(grown, 0, 0, this.#used)
    this.#bytes = grown
  }
}
