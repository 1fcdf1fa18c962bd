/**
 * Rows of `logs` packed into two byte buffers and one Int32Array, for the
 * bulk ingest path: handing a batch from the parse thread to the writing
 * thread, and binding it row by row without building an object per row.
 *
 * Why: a structured clone of a batch as objects copies eight small strings
 * per row and allocates them again on the other side (measured ~4 us per row
 * on each thread, plus the garbage of thousands of strings kept alive until
 * the batch is sent). Packed, a batch is moved between threads without a
 * copy and decoded with one call per buffer.
 *
 * Values that are pure ASCII (nearly all of them) go to the `ascii` buffer,
 * decoded as Latin-1: a plain copy into a one-byte string. The others go to
 * the `utf8` buffer. Keeping them apart matters: one character above U+00FF
 * (a BOM before a message is common) would otherwise make a whole batch a
 * two-byte string, slower to decode and to bind. A message that ends its raw
 * line is a span of that line, not a second copy.
 */
import type {NewLog} from '../schema.js'

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
  /** ASCII bytes: the values that are pure ASCII, back to back. */
  readonly ascii: Uint8Array
  /** UTF-8 bytes: the other values. */
  readonly utf8: Uint8Array
  /**
   * Per row, per column of {@link LOG_COLUMNS}: start and end, in characters
   * of the decoded strings. A start >= 0 is into the ASCII text;
   * {@link NULL_SPAN} is SQL NULL; any other negative start `s` is into the
   * UTF-8 text, from `-s - 1`.
   */
  readonly spans: Int32Array
}

/** The start of a NULL value. */
export const NULL_SPAN = -0x8000_0000

const WIDTH = LOG_COLUMNS.length
const RAW = LOG_COLUMNS.indexOf('raw_line')
const MSG = LOG_COLUMNS.indexOf('msg')

/**
 * Packs rows one at a time, encoding their strings into growing byte buffers
 * at once: nothing per row stays on the JavaScript heap until the batch is
 * taken (thousands of retained strings are what makes garbage collection
 * expensive).
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
  #ascii = new ByteText()
  #utf8 = new ByteText()
  #spans = new Int32Array(WIDTH * 2 * 256)
  #count = 0

  /** Rows added since the last take. */
  get count(): number {
    return this.#count
  }

  /** Characters held: a batch must stay far below V8's longest string. */
  get chars(): number {
    return this.#ascii.chars + this.#utf8.chars
  }

  add(row: LogInsert): void {
    if ((this.#count + 1) * WIDTH * 2 > this.#spans.length) {
      const grown = new Int32Array(this.#spans.length * 2)
      grown.set(this.#spans)
      this.#spans = grown
    }

    const raw = row.raw_line
    const rawStart = this.#put(raw)
    const rawEnd = (rawStart >= 0 ? rawStart : -rawStart - 1) + raw.length
    // the other values are stored as one string per row: one append, not one per value
    let rest = ''
    const restAt: number[] = []
    let at = this.#count * WIDTH * 2
    for (let c = 0; c < WIDTH; c++, at += 2) {
      const value = row[LOG_COLUMNS[c]]
      if (c === RAW) {
        this.#span(at, rawStart, rawEnd)
      } else if (value === null) {
        this.#span(at, NULL_SPAN, 0)
      } else if (c === MSG && value.length > 0 && raw.endsWith(value)) {
        this.#span(at, rawStart >= 0 ? rawEnd - value.length : rawStart - (raw.length - value.length), rawEnd)
      } else {
        restAt.push(at, rest.length)
        rest += value
        this.#span(at, 0, value.length) // relative to `rest` until it is stored
      }
    }

    const restStart = this.#put(rest)
    const base = restStart >= 0 ? restStart : -restStart - 1
    for (let k = 0; k < restAt.length; k += 2) {
      const spanAt = restAt[k]
      const offset = base + restAt[k + 1]
      this.#span(spanAt, restStart >= 0 ? offset : -offset - 1, offset + this.#spans[spanAt + 1])
    }

    this.#count++
  }

  /** The rows added so far, packed; the builder starts empty again. */
  take(): PackedLogs {
    const packed = {ascii: this.#ascii.take(), count: this.#count, spans: this.#spans.slice(0, this.#count * WIDTH * 2), utf8: this.#utf8.take()}
    this.#count = 0
    return packed
  }

  /** Stores `text`: its start in the ASCII text (>= 0) or, as `-start - 1`, in the UTF-8 text. */
  #put(text: string): number {
    const start = this.#ascii.appendAscii(text)
    return start >= 0 ? start : -this.#utf8.append(text) - 1
  }

  #span(at: number, start: number, end: number): void {
    this.#spans[at] = start
    this.#spans[at + 1] = end
  }
}

/** The buffers of `packed`, for `postMessage`'s transfer list. */
export function transferList(packed: PackedLogs): ArrayBuffer[] {
  return [packed.ascii.buffer, packed.utf8.buffer, packed.spans.buffer] as ArrayBuffer[]
}

/**
 * Reads packed rows: decodes the two byte buffers once, then hands out each
 * row's values (long strings as slices of the decoded text, not copies).
 */
export class PackedLogsReader {
  readonly count: number
  readonly #ascii: string
  readonly #utf8: string
  readonly #spans: Int32Array

  constructor(packed: PackedLogs) {
    this.count = packed.count
    this.#ascii = asBuffer(packed.ascii).toString('latin1')
    this.#utf8 = asBuffer(packed.utf8).toString('utf8')
    this.#spans = packed.spans
  }

  /** Fills `into` with row `index`'s values in {@link LOG_COLUMNS} order. */
  row(index: number, into: unknown[]): void {
    const spans = this.#spans
    let at = index * WIDTH * 2
    for (let c = 0; c < WIDTH; c++, at += 2) {
      const start = spans[at]
      const end = spans[at + 1]
      into[c] = start >= 0 ? this.#ascii.slice(start, end) : start === NULL_SPAN ? null : this.#utf8.slice(-start - 1, end)
    }
  }
}

/** The rows as objects (for PostgreSQL's multi-row statements, and for tests). */
export function unpackLogs(packed: PackedLogs): LogInsert[] {
  const reader = new PackedLogsReader(packed)
  const values = new Array<unknown>(WIDTH)
  const rows = new Array<LogInsert>(packed.count)
  for (let r = 0; r < packed.count; r++) {
    reader.row(r, values)
    const row: Record<string, unknown> = {}
    for (let c = 0; c < WIDTH; c++) row[LOG_COLUMNS[c]] = values[c]
    rows[r] = row as LogInsert
  }

  return rows
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Strings appended as UTF-8 into one growing buffer, counted in characters
 * (what the decoded string's offsets are in). Strings from decoded input or
 * `JSON.stringify` hold no lone surrogates, so encoding and decoding give
 * back exactly as many characters.
 */
class ByteText {
  #bytes = Buffer.allocUnsafeSlow(1024 * 1024)
  #used = 0
  #chars = 0

  get chars(): number {
    return this.#chars
  }

  /** Appends `text`; returns its start in characters. */
  append(text: string): number {
    this.#reserve(text.length * 3)
    this.#used += this.#bytes.write(text, this.#used, 'utf8')
    return this.#advance(text.length)
  }

  /** Appends `text` if it is pure ASCII and returns its start; otherwise stores nothing and returns -1. */
  appendAscii(text: string): number {
    this.#reserve(text.length * 3)
    const written = this.#bytes.write(text, this.#used, 'utf8')
    // every character outside ASCII takes two bytes or more
    if (written !== text.length) return -1
    this.#used += written
    return this.#advance(text.length)
  }

  /** The bytes so far, in a buffer of their own; starts empty again. */
  take(): Uint8Array {
    const taken = new Uint8Array(this.#bytes.buffer, 0, this.#used)
    this.#bytes = Buffer.allocUnsafeSlow(this.#bytes.length)
    this.#used = 0
    this.#chars = 0
    return taken
  }

  #advance(chars: number): number {
    const start = this.#chars
    this.#chars += chars
    return start
  }

  #reserve(bytes: number): void {
    if (this.#used + bytes <= this.#bytes.length) return
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#used + bytes, this.#bytes.length * 2))
    this.#bytes.copy(grown, 0, 0, this.#used)
    this.#bytes = grown
  }
}
