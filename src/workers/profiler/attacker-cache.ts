/**
 * The attacker rows a profiler wrote, kept in memory so its next tick need
 * not read them back. A tick reads every attacker its lines touch; in steady
 * state those are the attackers of the last ticks, which this profiler wrote
 * itself. Only profilers write `attackers`, so the rows are still as written
 * for as long as no other profiler has ticked since. The rule is the one of
 * the TTP worker's `FailureMemory`: the cache is trusted only when the cursor
 * a tick claims is the one this profiler's last tick left; when another
 * profiler ticked, or someone reset or moved the cursor, it starts over and
 * the tick reads from the database. (A cursor that comes back to the same
 * value through other profilers' ticks means the same rows: folding is
 * deterministic and blind to batch boundaries, and lines already in a row
 * are never folded into it again.)
 */
import type {StoredAttacker} from './fold.js'

/**
 * Attackers kept at most. An attacker row is a few hundred bytes to a few
 * KiB (its deckies and their first contacts), so this bounds the cache to
 * tens of MB; a tick touches at most as many attackers as it has lines, and
 * attackers beyond the bound are read from the database as before.
 */
export const MAX_CACHED_ATTACKERS = 20_000

/** Attacker rows as this profiler last wrote them, least recently written first. */
export class AttackerCache {
  readonly #capacity: number
  readonly #rows = new Map<string, StoredAttacker>()
  /** The cursor after this profiler's last tick; undefined when nothing is known. */
  #through: number | undefined

  constructor(capacity = MAX_CACHED_ATTACKERS) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`Expected the cache capacity to be a non-negative integer, got \`${capacity}\``)
    this.#capacity = capacity
  }

  /** True when the cache describes the database at `cursor` (the cursor its last tick left). */
  validAt(cursor: number): boolean {
    return this.#through === cursor
  }

  /** The row as last written, or undefined. */
  get(ip: string): StoredAttacker | undefined {
    return this.#rows.get(ip)
  }

  /**
   * After a tick committed: its rows, and the cursor it left. (Never before
   * the commit: a tick rolled back leaves the database as it was.)
   */
  commit(cursor: number, rows: Iterable<StoredAttacker>): void {
    for (const row of rows) {
      this.#rows.delete(row.ip) // re-inserted last: the most recently written
      this.#rows.set(row.ip, row)
    }

    for (const ip of this.#rows.keys()) {
      if (this.#rows.size <= this.#capacity) break
      this.#rows.delete(ip)
    }

    this.#through = cursor
  }

  /** Forgets every row (after a failed tick, or when the database changed behind this profiler's back). */
  reset(): void {
    this.#through = undefined
    this.#rows.clear()
  }
}
