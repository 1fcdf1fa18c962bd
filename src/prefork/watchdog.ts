/**
 * Hang detection. Children send a heartbeat over IPC from their event loop;
 * a child whose loop is blocked (a busy loop, a synchronous deadlock) goes
 * silent, and the master's {@link Watchdog} for it fires.
 */

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
 * One child's watchdog: calls `onSilent` once when no {@link beat} came for
 * `timeoutMs` (counted from construction, so a child that hangs while booting
 * is caught too). A `timeoutMs` of 0 disables it.
 *
 * @example
 * ```ts
 * const dog = new Watchdog(30_000, () => enqueue({type: 'hung', pid}))
 * child.on('message', (m) => m.type === 'heartbeat' && dog.beat())
 * child.on('exit', () => dog.stop())
 * ```
 */
export class Watchdog {
  readonly timeoutMs: number
  #timer: NodeJS.Timeout | undefined
  #lastBeat = performance.now()

  constructor(timeoutMs: number, onSilent: (silentMs: number) => void) {
    this.timeoutMs = timeoutMs
    if (timeoutMs > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        onSilent(Math.round(performance.now() - this.#lastBeat))
      }, timeoutMs)
    }
  }

  /** The child is alive: restart the countdown. */
  beat(): void {
    this.#lastBeat = performance.now()
    this.#timer?.refresh()
  }

  /** The child is gone: never fire. */
  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
