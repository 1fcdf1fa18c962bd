/**
 * Reading the next tick's lines while this tick works on its own: on
 * PostgreSQL the server works through a tick's writes on one core while the
 * worker's own core waits for it, and reading lines (parsing rows), and what
 * a worker makes of them before it needs the database again, is the
 * worker's own work. During a backlog the two can overlap.
 */
import createDebug from 'debug'

const debug = createDebug('decnet:workers')

/** What was read (and made of it) after a cursor, ahead of the tick that will claim it. */
export interface Ahead<T> {
  /** The cursor the lines follow. */
  after: number
  read: T
}

/**
 * At most one read of the lines after a given cursor, started by a tick that
 * knows where it will leave the cursor and taken by the next one, which uses
 * it only when the cursor it claims is that one (another instance of the
 * worker may have moved it, or a reset).
 *
 * The lines of `logs` after a cursor never change once visible: writers
 * append them in id order under one lock (see `LogWriter`), and nothing
 * deletes them. So a read made before the next tick's transaction began gives
 * that tick a prefix of what it would read itself. What `read` makes of the
 * lines must depend on them alone, not on what the tick before wrote. A read
 * that fails is dropped: the tick reads for itself.
 *
 * @example
 * ```ts
 * const ahead = new ReadAhead((after) => readLines(db, 'postgres', after, 100_000))
 * ahead.start(cursor)                 // in tick N, once its last line is known
 * const lines = await ahead.take()    // before tick N+1's transaction
 * ```
 */
export class ReadAhead<T> {
  readonly #read: (after: number) => Promise<T>
  readonly #signal: AbortSignal | undefined
  #pending: Promise<Ahead<T> | undefined> | undefined

  /** `read` reads the lines after a cursor; once `signal` fires, nothing more is started (no tick will follow). */
  constructor(read: (after: number) => Promise<T>, signal?: AbortSignal) {
    this.#read = read
    this.#signal = signal
  }

  /** Starts reading the lines after `after` (replacing a read not yet taken, which is left to finish). */
  start(after: number): void {
    if (this.#signal?.aborted) return
    const pending = this.#read(after).then(
      (read): Ahead<T> => ({after, read}),
      (error: unknown) => {
        debug('reading ahead after %d failed (the tick will read for itself): %s', after, (error as Error).message)
        return undefined
      },
    )
    const previous = this.#pending
    this.#pending = previous === undefined ? pending : previous.then(() => pending)
  }

  /** Waits for the read under way, if any, and hands it over (undefined: none, or it failed). */
  async take(): Promise<Ahead<T> | undefined> {
    const pending = this.#pending
    this.#pending = undefined
    return pending
  }
}
