/**
 * Hang detection. Children send a heartbeat over IPC from their event loop;
 * a child whose loop is blocked (a busy loop, a synchronous deadlock) goes
 * silent, and the master's {@link Watchdog} for it fires.
 */

/** The most a child waits between heartbeats, whatever the watchdog period. */
const MAX_HEARTBEAT_MS = 1000
/** The least, so a tiny watchdog period cannot flood the channel. */
const MIN_HEARTBEAT_MS = 10

/**
 * How often a child heartbeats for a given watchdog period: a third of the
 * period (so one late beat is not a hang), at most every second.
 *
 * @returns 0 when the watchdog is off (`watchdogMs` 0).
 */
export function heartbeatIntervalMs(watchdogMs: number): number {
  if (watchdogMs <= 0) return 0
  return Math.max(MIN_HEARTBEAT_MS, Math.min(MAX_HEARTBEAT_MS, Math.floor(watchdogMs / 3)))
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
