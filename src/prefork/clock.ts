/**
 * Time as the supervisor sees it. Its decisions (backoff, the grace period,
 * a repeated stop, a retirement's grace) all hang on timers and readings of
 * the clock; taking them from an injected {@link Clock} lets tests drive a
 * fleet through minutes of restarts in microseconds, without forking.
 */

/** An armed timer, opaque to its owner: only ever handed back to {@link Clock.clearTimeout}. */
export type TimerHandle = {readonly __timer: never} | NodeJS.Timeout

/** How a timer is armed. */
export interface TimerOptions {
  /** Default true; false: like `timer.unref()`. */
  readonly keepAlive?: boolean
}

/** The clock a supervisor runs on. */
export interface Clock {
  /** Monotonic milliseconds (`performance.now()`): for durations. */
  now(): number
  /** Epoch milliseconds (`Date.now()`): for times shown to people. */
  date(): number
  /** Runs `callback` once after `ms`; with `keepAlive: false` the pending timer alone does not keep the process running. */
  setTimeout(callback: () => void, ms: number, options?: TimerOptions): TimerHandle
  /** Disarms a timer; `undefined` or a spent timer is no error. */
  clearTimeout(timer: TimerHandle | undefined): void
}

/** The process's own clock: `performance.now()`, `Date.now()` and the global timers. Stateless. */
export const systemClock: Clock = Object.freeze({
  clearTimeout: (timer: TimerHandle | undefined) => clearTimeout(timer as NodeJS.Timeout | undefined),
  date: () => Date.now(),
  now: () => performance.now(),
  setTimeout(callback: () => void, ms: number, options?: TimerOptions): TimerHandle {
    const timer = setTimeout(callback, ms)
    if (options?.keepAlive === false) timer.unref()
    return timer
  },
})
