import {KEPT_PREFIX_BYTES} from '../line-splitter.js'

/** How a connection frames its messages (RFC 6587): decided by its first byte. */
export type Framing = 'octet-counting' | 'lf'

/** Receives each message: its text (without framing or a trailing newline), and its size when it was too long (text is then its first KiB). */
export type MessageHandler = (text: string, tooLongBytes: number) => void

/** A frame that cannot be read: the connection cannot be resynchronised and must be closed. */
export class FramingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FramingError'
  }
}

/** The longest MSG-LEN accepted as a number: 9 digits, far past any message size limit. */
const MAX_LENGTH_DIGITS = 9

/**
 * Splits a syslog-over-TCP byte stream into messages (RFC 6587), detecting
 * per connection, from its first byte, octet counting (`LEN SP MSG`: a digit
 * first, as RFC 5425 requires over TLS) or LF-delimited framing (`<PRI>...\n`).
 * Never holds more than `maxMessageBytes` (or 1 KiB) of a message: a longer
 * one is skipped (counted, its first KiB kept) and the stream goes on after it.
 *
 * @throws FramingError from `push` when the stream is not syslog (a bad MSG-LEN)
 */
export class FrameSplitter {
  readonly #onMessage: MessageHandler
  readonly #maxMessageBytes: number
  #framing: Framing | undefined
  /** Octet counting: digits of the MSG-LEN read so far. */
  #lengthText = ''
  /** Octet counting: bytes of the current message still to come. */
  #remaining = 0
  #parts: Buffer[] = []
  #held = 0
  /** Bytes of the current message (held or skipped). */
  #size = 0
  #inMessage = false

  constructor(onMessage: MessageHandler, maxMessageBytes: number) {
    this.#onMessage = onMessage
    this.#maxMessageBytes = maxMessageBytes
  }

  /** The framing detected (undefined before the first byte). */
  get framing(): Framing | undefined {
    return this.#framing
  }

  /** Bytes of an unfinished message held in memory. */
  get heldBytes(): number {
    return this.#held
  }

  /** True while a message has begun and not ended. */
  get partial(): boolean {
    return this.#inMessage || this.#lengthText.length > 0
  }

  /** Feeds the next chunk; calls the handler for every message it completes. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.#framing ??= chunk[0] >= 0x30 && chunk[0] <= 0x39 ? 'octet-counting' : 'lf'
    if (this.#framing === 'lf') this.#pushLf(chunk)
    else this.#pushCounted(chunk)
  }

  /** The stream ended: an LF-framed message without its newline is still a message; a cut octet-counted one is not. */
  end(): string | undefined {
    if (this.#framing === 'lf' && this.#inMessage) {
      this.#emit()
      return undefined
    }

    if (this.partial) return this.#framing === 'octet-counting' ? `connection closed inside a message (${this.#remaining} of its bytes missing)` : undefined
    return undefined
  }

  #pushLf(chunk: Buffer): void {
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.#keep(chunk.subarray(start, nl))
      this.#inMessage = true
      this.#emit()
      start = nl + 1
    }

    if (start < chunk.length) {
      this.#inMessage = true
      this.#keep(chunk.subarray(start))
    }
  }

  #pushCounted(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (!this.#inMessage) {
        const byte = chunk[at++]
        if (byte === 0x20 && this.#lengthText.length > 0) {
          this.#remaining = Number(this.#lengthText)
          this.#lengthText = ''
          this.#inMessage = true
          if (this.#remaining === 0) this.#emit()
          continue
        }

        // senders that end each frame with a newline too (not RFC 6587, but common)
        if ((byte === 10 || byte === 13) && this.#lengthText.length === 0) continue
        if (byte < 0x30 || byte > 0x39 || this.#lengthText.length >= MAX_LENGTH_DIGITS || (this.#lengthText.length === 0 && byte === 0x30)) {
          throw new FramingError(`bad octet-counting frame: expected MSG-LEN digits then a space, got byte 0x${byte.toString(16).padStart(2, '0')} after "${this.#lengthText}"`)
        }

        this.#lengthText += String.fromCharCode(byte)
        continue
      }

      const take = Math.min(this.#remaining, chunk.length - at)
      this.#keep(chunk.subarray(at, at + take))
      at += take
      this.#remaining -= take
      if (this.#remaining === 0) this.#emit()
    }
  }

  #keep(part: Buffer): void {
    this.#size += part.length
    // past the limit, only what a rejection keeps (its first KiB) is held
    const cap = Math.max(this.#maxMessageBytes + 1, KEPT_PREFIX_BYTES)
    if (this.#held >= cap) return
    const room = cap - this.#held
    const kept = part.length > room ? part.subarray(0, room) : part
    // copy: the socket may reuse its buffers
    this.#parts.push(Buffer.from(kept))
    this.#held += kept.length
  }

  #emit(): void {
    let text = Buffer.concat(this.#parts, this.#held)
    let size = this.#size
    // a newline (or CRLF) ending an octet-counted message is framing, not content
    if (text.length > 0 && text[text.length - 1] === 10 && size === text.length) {
      text = text.subarray(0, text.length - (text.length > 1 && text[text.length - 2] === 13 ? 2 : 1))
      size = text.length
    } else if (this.#framing === 'lf' && text.length > 0 && text[text.length - 1] === 13 && size === text.length) {
      text = text.subarray(0, -1)
      size = text.length
    }

    this.#parts = []
    this.#held = 0
    this.#size = 0
    this.#inMessage = false
    if (size > this.#maxMessageBytes) this.#onMessage(text.subarray(0, KEPT_PREFIX_BYTES).toString('utf8'), size)
    else this.#onMessage(text.toString('utf8'), 0)
  }
}
