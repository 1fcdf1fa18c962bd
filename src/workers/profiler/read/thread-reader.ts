/**
 * Reading a backlog's batches on another thread, on SQLite. During a cold
 * build or a catch-up, SQLite reading a batch of lines is a third of the
 * profiler's time, on its own thread (better-sqlite3 is synchronous), while
 * the machine has more cores. A `ThreadReader` reads the next batch on a
 * worker thread with its own connection while the profiler folds and writes
 * this one (write-ahead logging lets a reader and a writer work at once). It
 * hands the lines over as the JSON texts SQLite built (a string crosses as a
 * copy of its bytes), and the profiler's thread only parses them.
 *
 * Not for PostgreSQL: there the reading is already asynchronous, and the
 * server needs the second core. Measured, a reading thread made a cold
 * build slower (8.7-9.2 s against 8.0-8.6 s for 1M lines): every process
 * competed for two cores.
 */
import createDebug from 'debug'
import {Worker} from 'node:worker_threads'

import type {LineTexts} from './read-lines.js'
import type {ReadAnswer, ReadRequest, ReadThreadData} from './reader-thread.js'
import type {DatabaseTarget} from '../../../db/url.js'

const debug = createDebug('decnet:workers')

/** How long a closing thread may take to let its connection go before it is stopped. */
const CLOSE_TIMEOUT_MS = 5000

/**
 * A reading thread, started on the first read. Reads are answered in the
 * order asked. When the thread fails or stops, every read under way and
 * every later one rejects (the tick reads for itself).
 *
 * @example
 * ```ts
 * const reader = new ThreadReader({database, batchSize: 100_000, maxChars: undefined})
 * const {lines, cut} = parseLineTexts(await reader.read(cursor))
 * await reader.close()
 * ```
 */
export class ThreadReader {
  readonly #data: ReadThreadData
  readonly #waiting = new Map<number, {resolve: (read: LineTexts) => void; reject: (error: Error) => void}>()
  #worker: undefined | Worker
  #broken: Error | undefined
  #closing = false
  #exited: Promise<void> | undefined
  #next = 0

  constructor(data: ReadThreadData) {
    this.#data = data
  }

  /**
   * Whether a reading thread should read `database`: a SQLite file (not
   * PostgreSQL, see above; not an in-memory database, which only its own
   * connection sees).
   */
  static canRead(database: DatabaseTarget): boolean {
    return database.kind === 'sqlite' && database.path !== ':memory:'
  }

  /** The batch after cursor `after`, as JSON texts. */
  async read(after: number): Promise<LineTexts> {
    if (this.#broken) throw this.#broken
    const worker = this.#started()
    const id = this.#next++
    const answer = new Promise<LineTexts>((resolve, reject) => this.#waiting.set(id, {reject, resolve}))
    worker.postMessage({after, id, type: 'read'} satisfies ReadRequest)
    return answer
  }

  /** Lets the thread close its connection and stop (stopping it after a while regardless). */
  async close(): Promise<void> {
    const worker = this.#worker
    if (worker === undefined) return
    this.#closing = true
    this.#broken ??= new Error('the reading thread was closed')
    worker.postMessage({type: 'close'} satisfies ReadRequest)
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS)
    await this.#exited
    clearTimeout(timer)
  }

  #started(): Worker {
    if (this.#worker !== undefined) return this.#worker
    const worker = new Worker(new URL('reader-thread.js', import.meta.url), {workerData: this.#data})
    debug('reading ahead on a thread of its own (thread %d)', worker.threadId)
    worker.on('message', (answer: ReadAnswer) => {
      const waiting = this.#waiting.get(answer.id)
      this.#waiting.delete(answer.id)
      if (answer.type === 'read') waiting?.resolve(answer.read)
      else waiting?.reject(new Error(answer.message))
    })
    worker.on('error', (error) => this.#fail(error))
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        if (!this.#closing) this.#fail(new Error(`the reading thread stopped (exit code ${code})`))
        resolve()
      })
    })
    this.#worker = worker
    return worker
  }

  #fail(error: Error): void {
    debug('reading thread: %s', error.message)
    this.#broken ??= error
    for (const {reject} of this.#waiting.values()) reject(this.#broken)
    this.#waiting.clear()
  }
}
