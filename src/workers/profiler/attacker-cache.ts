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

/**
 * Whether the cache holds every row of `attackers`: `unknown` when it is
 * empty and nobody has looked at the table yet; `complete` when it was empty
 * while the table was, and has kept every row written since; `partial` when
 * the table held rows it does not, or it dropped one.
 */
export type Coverage = 'complete' | 'partial' | 'unknown'

/**
 * A row as a tick wrote it, and whether its contact columns are as a fold
 * wrote them (the fold's `ownContacts`, passed back to the next fold of the
 * row so it need not check them again). Nothing changes a kept row's contact
 * columns after its fold.
 */
export interface CachedAttacker {
  readonly row: StoredAttacker
  readonly ownContacts: boolean
}

/** Attacker rows as this profiler last wrote them, least recently written first. */
export class AttackerCache {
  readonly #capacity: number
  readonly #rows = new Map<string, CachedAttacker>()
  /** The cursor after this profiler's last tick; undefined when nothing is known. */
  #through: number | undefined
  #coverage: Coverage = 'unknown'

  constructor(capacity = MAX_CACHED_ATTACKERS) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`Expected the cache capacity to be a non-negative integer, got \`${capacity}\``)
    this.#capacity = capacity
  }

  /** True when the cache describes the database at `cursor` (the cursor its last tick left). */
  validAt(cursor: number): boolean {
    return this.#through === cursor
  }

  /**
   * Whether it holds every row of `attackers` (see {@link Coverage}). When
   * `complete`, an IP it does not hold has no row: a tick need not look for
   * one. That holds because only profilers write `attackers`, and the cache
   * is dropped whenever another one may have ticked (see {@link validAt}).
   */
  get coverage(): Coverage {
    return this.#coverage
  }

  /** Records whether `attackers` was empty (`complete`) or not (`partial`), looked at while the cache is (`unknown`). */
  covers(tableWasEmpty: boolean): void {
    if (this.#coverage !== 'unknown') throw new Error(`Expected the attacker cache's coverage to be unknown, got \`${this.#coverage}\``)
    this.#coverage = tableWasEmpty ? 'complete' : 'partial'
  }

  /** The row as last written, or undefined. */
  get(ip: string): CachedAttacker | undefined {
    return this.#rows.get(ip)
  }

  /**
   * After a tick committed: its rows, and the cursor it left. (Never before
   * the commit: a tick rolled back leaves the database as it was.)
   */
  commit(cursor: number, rows: Iterable<CachedAttacker>): void {
    for (const entry of rows) {
      this.#rows.delete(entry.row.ip) // re-inserted last: the most recently written
      this.#rows.set(entry.row.ip, entry)
    }

    for (const ip of this.#rows.keys()) {
      if (this.#rows.size <= this.#capacity) break
      this.#rows.delete(ip)
      this.#coverage = 'partial' // that row is in the table, not here
    }

    if (this.#coverage === 'unknown' && this.#rows.size > 0) this.#coverage = 'partial' // rows nobody checked against the table
    this.#through = cursor
  }

  /** Forgets every row (after a failed tick, or when the database changed behind this profiler's back). */
  reset(): void {
    this.#through = undefined
    this.#rows.clear()
    this.#coverage = 'unknown'
  }
}
