/**
 * Hang detection. Children send a heartbeat over IPC from their event loop;
 * a child whose loop is blocked (a busy loop, a synchronous deadlock) goes
 * silent, and the master's {@link Watchdog} for it fires.
 */

import {systemClock, type Clock, type TimerHandle} from './clock.js'

/**
 * The least time between heartbeats, so a tiny watchdog period cannot flood the
 * channel. (From a watchdog of 3 s up, a third of it is a second or more anyway.)
 */
const MIN_HEARTBEAT_MS = 10

/**
 * How often a child heartbeats for a given watchdog period: a third of the
 * period, so two beats in a row can be late before the child counts as hung.
 * Never faster than that: every beat costs the child allocations (its V8
 * young generation, hence its memory, creeps at the beat rate) and the master
 * a wake-up, so the default 30 s watchdog beats every 10 s, not every second.
 *
 * A block of the child's event loop up to two thirds of the period is always
 * tolerated; one longer than the period is always caught.
 *
 * @returns 0 when the watchdog is off (`watchdogMs` 0): no heartbeats at all.
 */
export function heartbeatIntervalMs(watchdogMs: number): number {
  if (watchdogMs <= 0) return 0
  return Math.max(MIN_HEARTBEAT_MS, Math.floor(watchdogMs / 3))
}

/**
 * How long a child gets, at least, to send its first message: node itself has
 * to start (about 0.1 s on an idle machine, seconds on a loaded one), and a
 * short watchdog must not kill a child for that.
 */
export const FIRST_WINDOW_MIN_MS = 10_000

/**
 * One child's watchdog: calls `onSilent` once when no {@link beat} came for
 * `timeoutMs`. The count starts at construction, so a child that hangs while
 * booting is caught too; until its first beat the window is at least
 * `firstWindowMs` (default {@link FIRST_WINDOW_MIN_MS}). A `timeoutMs` of 0
 * disables it.
 *
 * When the countdown runs out, the verdict waits for the I/O of the current
 * event-loop turn: if this process was held up itself (a loaded machine), its
 * timers run before it reads the heartbeats waiting on the channel, and a
 * child that did beat must not be killed for that.
 *
 * @example
 * ```ts
 * const dog = new Watchdog(30_000, () => enqueue({type: 'hung', pid}))
 * child.on('message', () => dog.beat())
 * child.on('exit', () => dog.stop())
 * ```
 */
export class Watchdog {
  readonly timeoutMs: number
  readonly #firstWindowMs: number
  readonly #onSilent: (silentMs: number) => void
  readonly #clock: Clock
  #timer: TimerHandle | undefined
  #verdict: NodeJS.Immediate | undefined
  #lastBeat: number
  #beaten = false

  /**
   * @param options.firstWindowMs - the least window before the first beat (default {@link FIRST_WINDOW_MIN_MS})
   * @param options.clock - what the windows are timed on (default the system clock); the verdict still waits for a real event-loop turn
   */
  constructor(timeoutMs: number, onSilent: (silentMs: number) => void, {clock = systemClock, firstWindowMs = FIRST_WINDOW_MIN_MS}: {clock?: Clock; firstWindowMs?: number} = {}) {
    this.timeoutMs = timeoutMs
    this.#firstWindowMs = Math.max(timeoutMs, firstWindowMs)
    this.#onSilent = onSilent
    this.#clock = clock
    this.#lastBeat = clock.now()
    if (timeoutMs > 0) this.#arm(this.#firstWindowMs)
  }

  /** The child is alive: restart the countdown. */
  beat(): void {
    this.#lastBeat = this.#clock.now()
    this.#beaten = true
    // No timer: off, or a verdict is pending (it reads #lastBeat). Re-armed on every beat: beats come
    // every third of the period (10 s by default), so this costs next to nothing.
    if (this.#timer) this.#arm(this.timeoutMs)
  }

  /** The child is gone: never fire. */
  stop(): void {
    this.#clock.clearTimeout(this.#timer)
    clearImmediate(this.#verdict)
    this.#timer = undefined
    this.#verdict = undefined
  }

  #arm(ms: number): void {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = this.#clock.setTimeout(() => this.#expired(), ms)
  }

  #expired(): void {
    this.#timer = undefined
    // Immediates run after this turn's poll phase, which reads what the child has sent meanwhile.
    this.#verdict = setImmediate(() => {
      this.#verdict = undefined
      const silentMs = this.#clock.now() - this.#lastBeat
      const windowMs = this.#beaten ? this.timeoutMs : this.#firstWindowMs
      if (silentMs >= windowMs) this.#onSilent(Math.round(silentMs))
      else this.#arm(windowMs - silentMs)
    })
  }
}
