import {Worker} from 'node:worker_threads'

import type {Batch} from '../batch-builder.js'
import {MAX_BATCH_CHARS} from '../batch-builder.js'
import type {ReadStart} from '../read-batches.js'
import type {BatcherReply, BatcherRequest} from './batcher-thread.js'

const NEWLINE = 0x0a

/**
 * `LineBatcher` with its work on a parse thread (`batcher-thread`): this
 * side only counts newlines, so the thread that reads the file and commits
 * batches (blocked by SQLite during a commit) no longer parses, and parsing
 * the next batch overlaps with committing this one. One thread serves one
 * file after another (`start`); `close` stops it.
 *
 * The counts kept here are what a follower decides on: complete lines
 * pending (blank ones included), lines since the last take (an upper bound
 * of its rows, blank lines counted), and bytes since it (for a batch too
 * large to wait, see `MAX_BATCH_CHARS`). The batches themselves, with their
 * line numbers and offsets, are the thread's.
 */
export class ThreadedLineBatcher {
  readonly #worker: Worker
  readonly #waiting: Array<{resolve: (batch: Batch) => void; reject: (error: Error) => void}> = []
  #failed: Error | undefined
  #pushed = 0
  #lineEnd = 0
  #takenEnd = 0
  #lines = 0
  #bytes = 0
  #pendingSince = 0

  constructor() {
    this.#worker = new Worker(new URL('batcher-thread.js', import.meta.url))
    this.#worker.on('message', (reply: BatcherReply) => {
      if (reply.type === 'batch') this.#waiting.shift()?.resolve(reply.batch)
      else this.#fail(Object.assign(new Error(`follow parse thread failed: ${reply.message}`), {stack: reply.stack}))
    })
    this.#worker.on('error', (error) => this.#fail(error))
    this.#worker.on('exit', (code) => this.#fail(new Error(`the follow parse thread stopped (exit code ${code})`)))
  }

  /** Starts a file (or the same one again from its start): lines from `start`. */
  start(source: string, start: ReadStart): void {
    this.#post({type: 'start', source, start})
    this.#pushed = start.offset
    this.#lineEnd = start.offset
    this.#takenEnd = start.offset
    this.#lines = 0
    this.#bytes = 0
    this.#pendingSince = 0
  }

  /** Feeds bytes read (a buffer of exactly these bytes moves to the parse thread: do not use it afterwards). */
  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(NEWLINE)
    if (last !== -1) {
      for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) this.#lines++
      this.#lineEnd = this.#pushed + last + 1
    }

    this.#pushed += chunk.length
    this.#bytes += chunk.length
    if (this.#pendingSince === 0 && this.hasPending) this.#pendingSince = Date.now()
    // moved, not cloned: a clone of a view copies its whole buffer (a read buffer is 256 KiB however little was read)
    const own = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : new Uint8Array(chunk)
    this.#post({type: 'push', chunk: own}, [own.buffer as ArrayBuffer])
  }

  /** Ends a partial last line (the input will not grow any more). */
  end(): void {
    if (this.#pushed > this.#lineEnd) {
      this.#lineEnd = this.#pushed
      this.#lines++
    }

    this.#post({type: 'end'})
    if (this.#pendingSince === 0 && this.hasPending) this.#pendingSince = Date.now()
  }

  /** Complete lines (blank ones included) not yet taken. */
  get hasPending(): boolean {
    return this.#lineEnd > this.#takenEnd
  }

  /** Lines since the last take: at least its rows (blank lines are counted too). */
  get rows(): number {
    return this.#lines
  }

  /** True when the bytes waiting are too many to wait for more (see `MAX_BATCH_CHARS`). */
  get full(): boolean {
    return this.#bytes >= MAX_BATCH_CHARS
  }

  /** When the oldest line waiting was read (ms since the epoch); 0 when none waits. */
  get pendingSince(): number {
    return this.#pendingSince
  }

  /** The offset just after the last complete line read. */
  get lineEnd(): number {
    return this.#lineEnd
  }

  /** Takes the complete lines pushed so far as one batch, once the thread has parsed them. */
  take(): Promise<Batch> {
    if (this.#failed) return Promise.reject(this.#failed)
    const taken = new Promise<Batch>((resolve, reject) => this.#waiting.push({resolve, reject}))
    this.#post({type: 'take'})
    this.#takenEnd = this.#lineEnd
    this.#lines = 0
    this.#bytes = this.#pushed - this.#lineEnd
    this.#pendingSince = 0
    return taken
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit')
    await this.#worker.terminate()
  }

  #post(request: BatcherRequest, transfer: ArrayBuffer[] = []): void {
    if (!this.#failed) this.#worker.postMessage(request, transfer)
  }

  #fail(error: Error): void {
    this.#failed ??= error
    for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#failed)
  }
}
