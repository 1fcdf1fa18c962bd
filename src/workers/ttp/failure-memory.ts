/**
 * What a long-running TTP worker remembers of recent failed logins between
 * ticks, so the brute-force look-back does not read the same minutes of
 * history from the database tick after tick.
 *
 * Invariant: for every IP it holds, the memory has every failure of that IP
 * with `id <= through` and a time at or after `coveredSince(ip)`. Anything
 * else is read from the database (and then remembered). The memory is only
 * trusted when the tick's claimed cursor equals `through`: if another worker
 * moved the cursor, or a tick failed, it starts over.
 */
import type {AuthFailure} from '../../ttp/brute-force.js'

import {LOOKBACK_MS} from '../../ttp/brute-force.js'

/** Beyond this many IPs the memory starts over rather than grow without bound. */
const MAX_IPS = 100_000

/** Remembered failures of one IP. */
interface Remembered {
  /** Every failure of the IP with `id <= through` at or after this time is in `failures`. */
  coveredSince: number
  failures: Map<number, AuthFailure>
}

/** Recent failed logins by IP, carried from tick to tick. */
export class FailureMemory {
  #through: number | undefined
  #byIp = new Map<string, Remembered>()
  readonly #lookbackMs: number

  /** `lookbackMs`: how far before an IP's latest failure to keep (the tick's look-back; default {@link LOOKBACK_MS}). */
  constructor(lookbackMs = LOOKBACK_MS) {
    this.#lookbackMs = lookbackMs
  }

  /** True when the memory describes the log up to `cursor` (it was the cursor after the last tick it saw). */
  validAt(cursor: number): boolean {
    return this.#through === cursor
  }

  /** The remembered failures of `ip` in `[since, until]`, or undefined when the memory does not cover `since`. */
  recall(ip: string, since: number, until: number): AuthFailure[] | undefined {
    const entry = this.#byIp.get(ip)
    if (entry === undefined || entry.coveredSince > since) return undefined
    return [...entry.failures.values()].filter((failure) => failure.ms >= since && failure.ms <= until)
  }

  /**
   * Records a tick: `fetched` maps IPs to the time from which their history
   * was read from the database (all of it from then on), `history` is what
   * was read, `fresh` the tick's own failures, and `cursor` the cursor after it.
   */
  commit(cursor: number, fetched: ReadonlyMap<string, number>, history: readonly AuthFailure[], fresh: readonly AuthFailure[]): void {
    // A fetch read everything of the IP from `since` on (ids below the batch's), remembered or not.
    for (const [ip, since] of fetched) this.#byIp.set(ip, {coveredSince: since, failures: new Map()})
    for (const failure of [...history, ...fresh]) this.#byIp.get(failure.ip)?.failures.set(failure.id, failure)

    this.#through = cursor
    this.#prune()
  }

  /** Forgets everything (after a failed tick, or when another worker moved the cursor). */
  reset(): void {
    this.#through = undefined
    this.#byIp.clear()
  }

  /** Keeps, per IP, the look-back before its latest failure; forgets everything past {@link MAX_IPS}. */
  #prune(): void {
    if (this.#byIp.size > MAX_IPS) {
      this.reset()
      return
    }

    for (const entry of this.#byIp.values()) {
      let latest = Number.NEGATIVE_INFINITY
      for (const failure of entry.failures.values()) latest = Math.max(latest, failure.ms)
      const horizon = latest - this.#lookbackMs
      if (horizon <= entry.coveredSince) continue
      for (const [id, failure] of entry.failures) if (failure.ms < horizon) entry.failures.delete(id)
      entry.coveredSince = horizon
    }
  }
}
