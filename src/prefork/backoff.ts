/**
 * Per-worker restart backoff: exponential, capped, jittered, and forgiven
 * once a worker has stayed up long enough.
 */

/** How a {@link Backoff} grows. */
export interface BackoffOptions {
  /** The first delay; default 1000 ms. */
  readonly initialMs?: number
  /** The cap; no delay is ever longer. */
  readonly maxMs: number
  /** Uptime after which a worker counts as healthy again and its backoff resets. */
  readonly stableMs: number
  /** Source of jitter in [0, 1); default `Math.random`. */
  readonly random?: () => number
}

/** Each delay is shortened by up to this fraction, so restarts spread out yet never exceed the cap. */
const JITTER = 0.2

/**
 * The delays before a worker's successive restarts: `initialMs`, doubling, at
 * most `maxMs`, each shortened by up to 20% at random (so a delay is always
 * longer than the full previous one until the cap). A worker that ran for at
 * least `stableMs` before exiting starts again from `initialMs`.
 *
 * One instance per worker: a crash loop in one worker never slows another.
 *
 * @example
 * ```ts
 * const backoff = new Backoff({maxMs: 30_000, stableMs: 60_000})
 * setTimeout(restart, backoff.next(uptimeMs))   // ~1 s, ~2 s, ~4 s, ...
 * ```
 */
export class Backoff {
  readonly #initialMs: number
  readonly #maxMs: number
  readonly #stableMs: number
  readonly #random: () => number
  #attempt = 0

  constructor(options: BackoffOptions) {
    this.#initialMs = options.initialMs ?? 1000
    this.#maxMs = options.maxMs
    this.#stableMs = options.stableMs
    this.#random = options.random ?? Math.random
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.#attempt
  }

  /**
   * The delay before the next restart, in whole milliseconds.
   *
   * @param uptimeMs - how long the worker ran before it exited
   */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.#stableMs) this.reset()
    const exponent = Math.min(this.#attempt, 52)
    this.#attempt++
    const base = Math.min(this.#maxMs, this.#initialMs * 2 ** exponent)
    return Math.round(base * (1 - JITTER * this.#random()))
  }

  /** Forget past failures. */
  reset(): void {
    this.#attempt = 0
  }
}
