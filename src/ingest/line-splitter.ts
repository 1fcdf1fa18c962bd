/** How much of an over-long line is kept for `rejected_lines`. */
export const KEPT_PREFIX_BYTES = 1024

/** Receives each line: its 1-based number, its text (no `\n` or `\r\n`), and its size in bytes when it was too long (text is then a prefix). */
export type LineHandler = (lineNo: number, text: string, tooLongBytes: number) => void

/**
 * Splits a byte stream into lines without holding more than one line in
 * memory. Lines are decoded as UTF-8 (invalid bytes become U+FFFD). A line
 * longer than `maxLineBytes` is not accumulated: the handler gets its first
 * {@link KEPT_PREFIX_BYTES} bytes and its full size.
 */
export class LineSplitter {
  readonly #onLine: LineHandler
  readonly #maxLineBytes: number
  #carry: Buffer[] = []
  #carryBytes = 0
  #overflowBytes = 0
  #lineNo: number
  /** Bytes pushed before the current chunk, counted from the input's start. */
  #pushed: number
  #lineEnd: number

  /**
   * `start` resumes an input part-way: the line number before the first one
   * pushed, and the byte offset of the first byte pushed (defaults 0).
   */
  constructor(onLine: LineHandler, maxLineBytes: number, start: {line?: number; offset?: number} = {}) {
    this.#onLine = onLine
    this.#maxLineBytes = maxLineBytes
    this.#lineNo = start.line ?? 0
    this.#pushed = start.offset ?? 0
    this.#lineEnd = this.#pushed
  }

  /** The number of the last line handed out (lines before the start included). */
  get lineCount(): number {
    return this.#lineNo
  }

  /**
   * The byte offset just after the last line handed out (after its newline):
   * inside the handler, the end of the line being handled.
   */
  get lineEnd(): number {
    return this.#lineEnd
  }

  /** Feeds the next chunk; calls the handler for every line it completes. */
  push(chunk: Buffer): void {
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.#lineEnd = this.#pushed + nl + 1
      if (this.#carryBytes === 0 && this.#overflowBytes === 0) {
        this.#emit(chunk, start, nl)
      } else {
        this.#keep(chunk.subarray(start, nl))
        this.#emitCarry()
      }

      start = nl + 1
    }

    if (start < chunk.length) this.#keep(chunk.subarray(start))
    this.#pushed += chunk.length
  }

  /** Flushes a last line without a trailing newline. */
  end(): void {
    if (this.#carryBytes > 0 || this.#overflowBytes > 0) {
      this.#lineEnd = this.#pushed
      this.#emitCarry()
    }
  }

  #emit(buffer: Buffer, start: number, end: number): void {
    let stop = end
    if (stop > start && buffer[stop - 1] === 13) stop--
    const bytes = stop - start
    this.#lineNo++
    if (bytes > this.#maxLineBytes) {
      this.#onLine(this.#lineNo, buffer.toString('utf8', start, start + KEPT_PREFIX_BYTES), bytes)
    } else {
      this.#onLine(this.#lineNo, buffer.toString('utf8', start, stop), 0)
    }
  }

  #keep(part: Buffer): void {
    if (this.#overflowBytes > 0) {
      this.#overflowBytes += part.length
      return
    }

    // copy: the stream may reuse its chunk buffers
    this.#carry.push(Buffer.from(part))
    this.#carryBytes += part.length
    if (this.#carryBytes > this.#maxLineBytes + 1) {
      // too long already: keep only the prefix and count the rest
      const joined = Buffer.concat(this.#carry, this.#carryBytes)
      this.#carry = [joined.subarray(0, KEPT_PREFIX_BYTES)]
      this.#overflowBytes = this.#carryBytes
      this.#carryBytes = 0
    }
  }

  #emitCarry(): void {
    if (this.#overflowBytes > 0) {
      const prefix = this.#carry[0] ?? Buffer.alloc(0)
      this.#lineNo++
      this.#onLine(this.#lineNo, prefix.toString('utf8'), this.#overflowBytes)
    } else {
      const line = Buffer.concat(this.#carry, this.#carryBytes)
      this.#emit(line, 0, line.length)
    }

    this.#carry = []
    this.#carryBytes = 0
    this.#overflowBytes = 0
  }
}
