/**
 * How a worker lives through its database going away: one line when an
 * outage starts, one when it ends, and in between a retry delay that
 * doubles up to a cap, whatever the number of failed attempts.
 */
import {Backoff} from '../prefork/backoff.js'

/** What a {@link DatabaseOutage} writes to (the worker's stdout/stderr lines by default). */
export interface OutageLog {
  info(line: string): void
  warn(line: string): void
}

/** How a {@link DatabaseOutage} retries. */
export interface OutageOptions {
  /** The first retry delay (default 1000 ms, or `maxMs` when that is smaller). */
  readonly initialMs?: number
  /** The longest retry delay (default 30 000 ms). */
  readonly maxMs?: number
  /** Give up (throw) after this many failed attempts in a row; default: never (a long-running worker). */
  readonly maxAttempts?: number
  readonly log?: OutageLog
  /** Source of jitter in [0, 1) (default `Math.random`). */
  readonly random?: () => number
}

/** Thrown by {@link DatabaseOutage.failed} once `maxAttempts` attempts failed in a row. */
export class DatabaseGaveUpError extends Error {
  /** Failed attempts in a row. */
  readonly attempts: number

  constructor(attempts: number, elapsedMs: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause)
    super(`database unreachable: gave up after ${attempts} attempts over ${(elapsedMs / 1000).toFixed(1)} s: ${why}`, {cause})
    this.name = 'DatabaseGaveUpError'
    this.attempts = attempts
  }
}

/**
 * The outage state of one worker's database.
 *
 * @example
 * ```ts
 * const outage = new DatabaseOutage({maxMs: 30_000})
 * for (;;) {
 *   try { await work(); outage.over() } catch (error) {
 *     if (!isTransientDatabaseError(error)) throw error
 *     await sleep(outage.failed(error))   // logs the first failure only
 *   }
 * }
 * ```
 */
export class DatabaseOutage {
  readonly #backoff: Backoff
  readonly #maxMs: number
  readonly #initialMs: number
  readonly #maxAttempts: number
  readonly #log: OutageLog
  /** `Date.now()` at the first failure of the current outage. */
  #since: number | undefined
  #attempts = 0

  constructor(options: OutageOptions = {}) {
    this.#maxMs = options.maxMs ?? 30_000
    this.#initialMs = Math.min(options.initialMs ?? 1000, this.#maxMs)
    this.#maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY
    this.#backoff = new Backoff({initialMs: this.#initialMs, maxMs: this.#maxMs, random: options.random, stableMs: Number.POSITIVE_INFINITY})
    this.#log = options.log ?? {info: (line) => console.log(line), warn: (line) => console.warn(line)}
  }

  /** When the current outage started (`Date.now()`), or undefined when the database answers. */
  get since(): number | undefined {
    return this.#since
  }

  /**
   * Records a failed attempt and returns how long to wait before the next
   * one. The first failure of an outage is logged; the others are not.
   *
   * @throws DatabaseGaveUpError when `maxAttempts` attempts have now failed in a row.
   */
  failed(error: unknown): number {
    const now = Date.now()
    this.#attempts++
    if (this.#since === undefined) {
      this.#since = now
      const why = error instanceof Error ? error.message : String(error)
      const limit = Number.isFinite(this.#maxAttempts) ? `, giving up after ${this.#maxAttempts} attempts` : ''
      const pace = this.#initialMs === this.#maxMs ? `every ${seconds(this.#maxMs)}` : `in ${seconds(this.#initialMs)}, backing off to ${seconds(this.#maxMs)}`
      this.#log.warn(`database unreachable: ${why}; retrying ${pace}${limit}`)
    }

    if (this.#attempts >= this.#maxAttempts) throw new DatabaseGaveUpError(this.#attempts, now - this.#since, error)
    return this.#backoff.next(0)
  }

  /** The database answered: ends the outage (and says so) if there was one. */
  over(): void {
    if (this.#since === undefined) return
    const lasted = Date.now() - this.#since
    this.#log.info(`database reachable again after ${seconds(lasted)} (${this.#attempts} failed attempt${this.#attempts === 1 ? '' : 's'})`)
    this.#since = undefined
    this.#attempts = 0
    this.#backoff.reset()
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`
}
