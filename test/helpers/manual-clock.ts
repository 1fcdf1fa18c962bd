// A clock that moves only when a test moves it: implements the supervisor's Clock
// (src/prefork/clock.ts). Timers due at the same time run in the order they were armed.
import type {Clock, TimerHandle, TimerOptions} from '../../src/prefork/clock.js'

interface ManualTimer {
  readonly at: number
  readonly callback: () => void
  readonly id: number
  readonly keepAlive: boolean
}

/** An armed timer as a test sees it. */
export interface PendingTimer {
  readonly at: number
  readonly keepAlive: boolean
}

/** What {@link ManualClock.setTimeout} returns (a TimerHandle to the supervisor). */
interface ManualHandle {
  readonly id: number
}

export class ManualClock implements Clock {
  #now = 0
  readonly #epoch: number
  readonly #timers = new Map<number, ManualTimer>()
  #nextId = 1

  /** @param epochMs - what date() reads at now() 0 */
  constructor(epochMs = Date.UTC(2026, 0, 1)) {
    this.#epoch = epochMs
  }

  now(): number {
    return this.#now
  }

  date(): number {
    return this.#epoch + this.#now
  }

  setTimeout(callback: () => void, ms: number, options: TimerOptions = {}): TimerHandle {
    const id = this.#nextId++
    this.#timers.set(id, {at: this.#now + Math.max(0, ms), callback, id, keepAlive: options.keepAlive !== false})
    const handle: ManualHandle = {id}
    // The supervisor only hands handles back to clearTimeout, so any object will do.
    return handle as unknown as TimerHandle
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.#timers.delete((handle as unknown as ManualHandle).id)
  }

  /** Armed timers, soonest first: [{at, keepAlive}]. */
  get pending(): PendingTimer[] {
    return this.#sorted().map(({at, keepAlive}) => ({at, keepAlive}))
  }

  /** Delays (from now) of the timers that keep a process alive, soonest first. */
  get keepAliveDelays(): number[] {
    return this.#sorted()
      .filter((timer) => timer.keepAlive)
      .map((timer) => timer.at - this.#now)
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const until = this.#now + ms
    for (let next = this.#sorted()[0]; next && next.at <= until; next = this.#sorted()[0]) {
      this.#timers.delete(next.id)
      this.#now = next.at
      next.callback()
    }

    this.#now = until
  }

  /** Moves time to the next timer that keeps the process alive and runs it (and any due with it); returns how far it moved. */
  advanceToNext(): number {
    const [delay] = this.keepAliveDelays
    if (delay === undefined) throw new Error('no timer armed')
    this.advance(delay)
    return delay
  }

  #sorted(): ManualTimer[] {
    return [...this.#timers.values()].sort((a, b) => a.at - b.at || a.id - b.id)
  }
}
