import type {Socket} from 'node:net'

import createDebug from 'debug'

import {FrameSplitter, FramingError} from './frame-splitter.js'
import type {IntakeQueue} from './intake-queue.js'

const debug = createDebug('decnet:syslog')

/**
 * Bytes of one connection committed together at most (unless one chunk read
 * is larger): the chunk read, and what the socket already held in memory
 * when it was handled (see `#buffered`).
 */
export const COMMIT_BYTES = 64 * 1024

/** The limits a connection is held to. */
export interface ConnectionLimits {
  maxMessageBytes: number
  /** A connection that sends nothing for this long is closed. */
  idleTimeoutMs: number
  /** A message begun must end within this long (a slow sender cannot hold a buffer forever). */
  frameTimeoutMs: number
}

/** What all connections share: the queue, a budget of buffered bytes, a log. */
export interface ConnectionContext {
  queue: IntakeQueue
  limits: ConnectionLimits
  /** Takes `bytes` from the receiver's budget of held bytes; false when it is spent (the connection is then closed). */
  reserve: (bytes: number) => boolean
  release: (bytes: number) => void
  log: (line: string) => void
}

/**
 * One TCP or TLS connection of the receiver: frames its messages (octet
 * counting or LF, see `FrameSplitter`), adds them to the intake queue, and
 * reads nothing more until they are committed (the socket is paused: TCP
 * pushes back on the sender). Closed for a bad frame, an idle or slow
 * sender, or when the receiver's buffer budget is spent; what it sent
 * before is committed first.
 */
export class SyslogConnection {
  readonly source: string
  readonly #socket: Socket
  readonly #context: ConnectionContext
  readonly #splitter: FrameSplitter
  #messages = 0
  #added = 0
  #held = 0
  #frameTimer: NodeJS.Timeout | undefined
  #busy: Promise<void> = Promise.resolve()
  #closing = false
  /** True while {@link #buffered} reads from the socket (its chunk is not a new 'data' one). */
  #readingBuffered = false
  /** Resolves when the connection is closed and what it sent is committed. */
  readonly closed: Promise<void>

  constructor(socket: Socket, source: string, context: ConnectionContext) {
    this.source = source
    this.#socket = socket
    this.#context = context
    const {limits} = context
    this.#splitter = new FrameSplitter((text, tooLong) => {
      this.#messages++
      this.#added++
      context.queue.add(source, this.#messages, text, tooLong, limits.maxMessageBytes)
    }, limits.maxMessageBytes)
    socket.setTimeout(limits.idleTimeoutMs, () => this.#close(`idle for ${limits.idleTimeoutMs / 1000} s`))
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', (error) => debug('%s: %s', source, error.message))
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        clearTimeout(this.#frameTimer)
        // #commit reports its own failures; finally() releases what the connection held either way
        void this.#busy.then(async () => {
          const cut = this.#splitter.end()
          if (cut) context.log(`${source}: ${cut}`)
          if (this.#added > 0) await this.#commit()
        }).finally(() => {
          debug('%s closed after %d messages', source, this.#messages)
          context.release(this.#held)
          this.#held = 0
          resolve()
        })
      })
    })
  }

  /** Messages framed so far. */
  get messages(): number {
    return this.#messages
  }

  /** Stops reading, lets what was read be committed, then closes. */
  async stop(): Promise<void> {
    this.#closing = true
    this.#socket.pause()
    await this.#busy
    this.#socket.destroy()
    await this.closed
  }

  #onData(chunk: Buffer): void {
    if (this.#readingBuffered) return // `read()` hands the chunk it returns to 'data' listeners too: #buffered has it
    this.#socket.pause()
    this.#busy = this.#busy.then(() => this.#handle(chunk))
  }

  async #handle(chunk: Buffer): Promise<void> {
    if (!this.#context.reserve(chunk.length)) {
      this.#close('the receiver holds as many bytes as it may (--max-buffered): closing this connection')
      return
    }

    const before = this.#messages
    let reserved = chunk.length
    try {
      try {
        this.#splitter.push(chunk)
        // what node had already read from the socket meanwhile (the rest of a TCP read: a TLS record after this one,
        // a read that landed while this chunk waited) goes into the same commit: it is in memory either way, and a
        // commit per 16 KiB TLS record was most of the cost of one busy connection
        for (let more = this.#buffered(reserved); more !== null; more = this.#buffered(reserved)) {
          reserved += more.length
          this.#splitter.push(more)
        }
      } catch (error) {
        if (!(error instanceof FramingError)) throw error
        this.#context.log(`${this.source}: ${error.message}; closing the connection (what it sent before is kept)`)
        this.#closing = true
      }

      if (this.#added > 0) {
        // paused by the receiver, not by the sender: neither the idle nor the frame timer runs while it waits (a full spool may take long)
        clearTimeout(this.#frameTimer)
        this.#frameTimer = undefined
        this.#socket.setTimeout(0)
        await this.#commit()
        this.#socket.setTimeout(this.#context.limits.idleTimeoutMs)
      }

      this.#watchFrame(this.#messages > before)
    } finally {
      this.#context.release(reserved)
    }

    const held = this.#splitter.heldBytes
    if (held > this.#held && !this.#context.reserve(held - this.#held)) {
      this.#close('the receiver holds as many bytes as it may (--max-buffered): closing this connection')
      return
    }

    if (held < this.#held) this.#context.release(this.#held - held)
    this.#held = held
    if (this.#closing) this.#socket.destroy()
    else this.#socket.resume()
  }

  /**
   * Bytes the paused socket already holds in memory, as many as fit with
   * what this commit covers (`reserved`) in {@link COMMIT_BYTES}, reserved
   * from the budget; null when there are none, or no room (they are then
   * left where they are, for the next chunk).
   */
  #buffered(reserved: number): Buffer | null {
    if (reserved >= COMMIT_BYTES || this.#closing || this.#socket.readableLength === 0) return null
    this.#readingBuffered = true
    let more: Buffer | null
    try {
      // no more than the commit has room for: what is made durable together stays within COMMIT_BYTES
      more = this.#socket.read(Math.min(COMMIT_BYTES - reserved, this.#socket.readableLength)) as Buffer | null
    } finally {
      this.#readingBuffered = false
    }

    if (more === null) return null
    if (this.#context.reserve(more.length)) return more
    this.#socket.unshift(more)
    return null
  }

  async #commit(): Promise<void> {
    this.#added = 0
    try {
      await this.#context.queue.commit()
    } catch (error) {
      this.#context.log(`${this.source}: not stored (${(error as Error).message}); closing the connection`)
      this.#closing = true
    }
  }

  /** Times the message in progress: a new one (`completed`: one ended in this chunk) gets a new timer. */
  #watchFrame(completed: boolean): void {
    if (completed || !this.#splitter.partial) {
      clearTimeout(this.#frameTimer)
      this.#frameTimer = undefined
    }

    if (!this.#splitter.partial) return

    const {frameTimeoutMs} = this.#context.limits
    this.#frameTimer ??= setTimeout(() => this.#close(`a message took longer than ${frameTimeoutMs / 1000} s to arrive`), frameTimeoutMs)
  }

  #close(why: string): void {
    if (this.#socket.destroyed) return
    this.#context.log(`${this.source}: ${why}`)
    this.#closing = true
    this.#socket.destroy()
  }
}
