/**
 * The attacker rows a profiler wrote, kept in memory so its next tick need
 * not read them back. A tick reads every attacker its lines touch; in steady
 * state those are the attackers of the last ticks, which this profiler wrote
 * itself. Only profilers write `attackers`, so the rows are still as written
 * for as long as no other profiler has ticked since: the cursor row says so.
 * Each tick moves the cursor and stamps `updated_at`; when the row a tick
 * claims is not exactly as this profiler's last tick left it (another
 * profiler ticked, or someone reset or moved the cursor), the cache is
 * dropped and the tick reads from the database.
 */
import type {ClaimedCursor} from '../claim-cursor.js'
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
  /** The cursor row as this profiler's last tick left it; undefined when nothing is known. */
  #stamp: string | undefined

  constructor(capacity = MAX_CACHED_ATTACKERS) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`Expected the cache capacity to be a non-negative integer, got \`${capacity}\``)
    this.#capacity = capacity
  }

  /**
   * Call first in every tick, with the cursor row it claimed: unless the row
   * is as this profiler's last tick left it, forgets everything.
   */
  validate(claimed: ClaimedCursor): void {
    if (this.#stamp !== stampOf(claimed)) this.clear()
  }

  /** The row as last written, or undefined. */
  get(ip: string): StoredAttacker | undefined {
    return this.#rows.get(ip)
  }

  /**
   * After a tick committed: its rows, and the cursor row it left. (Never
   * before the commit: a tick rolled back leaves the database as it was.)
   */
  committed(rows: Iterable<StoredAttacker>, cursor: ClaimedCursor): void {
    for (const row of rows) {
      this.#rows.delete(row.ip) // re-inserted last: the most recently written
      this.#rows.set(row.ip, row)
    }

    for (const ip of this.#rows.keys()) {
      if (this.#rows.size <= this.#capacity) break
      this.#rows.delete(ip)
    }

    this.#stamp = stampOf(cursor)
  }

  /** Forgets every row (a tick failed, or the database changed behind this profiler's back). */
  clear(): void {
    this.#rows.clear()
    this.#stamp = undefined
  }
}

function stampOf({cursor, updatedAt}: ClaimedCursor): string {
  return `${cursor} ${updatedAt}`
}
