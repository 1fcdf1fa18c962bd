// A clock that moves only when a test moves it: implements the supervisor's Clock
// (src/prefork/clock.ts). Timers due at the same time run in the order they were armed.

export class ManualClock {
  #now = 0
  #epoch
  #timers = new Map()
  #nextId = 1

  /** @param epochMs - what date() reads at now() 0 */
  constructor(epochMs = Date.UTC(2026, 0, 1)) {
    this.#epoch = epochMs
  }

  now() {
    return this.#now
  }

  date() {
    return this.#epoch + this.#now
  }

  setTimeout(callback, ms, options = {}) {
    const id = this.#nextId++
    this.#timers.set(id, {at: this.#now + Math.max(0, ms), callback, id, keepAlive: options.keepAlive !== false})
    return {id}
  }

  clearTimeout(handle) {
    if (handle) this.#timers.delete(handle.id)
  }

  /** Armed timers, soonest first: [{at, keepAlive}]. */
  get pending() {
    return this.#sorted().map(({at, keepAlive}) => ({at, keepAlive}))
  }

  /** Delays (from now) of the timers that keep a process alive, soonest first. */
  get keepAliveDelays() {
    return this.#sorted()
      .filter((timer) => timer.keepAlive)
      .map((timer) => timer.at - this.#now)
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way, in order. */
  advance(ms) {
    const until = this.#now + ms
    for (let next = this.#sorted()[0]; next && next.at <= until; next = this.#sorted()[0]) {
      this.#timers.delete(next.id)
      this.#now = next.at
      next.callback()
    }

    this.#now = until
  }

  /** Moves time to the next timer that keeps the process alive and runs it (and any due with it); returns how far it moved. */
  advanceToNext() {
    const [delay] = this.keepAliveDelays
    if (delay === undefined) throw new Error('no timer armed')
    this.advance(delay)
    return delay
  }

  #sorted() {
    return [...this.#timers.values()].sort((a, b) => a.at - b.at || a.id - b.id)
  }
}
