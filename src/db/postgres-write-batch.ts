/**
 * Several PostgreSQL bulk writes as one statement: data-modifying `WITH`
 * queries, one round trip instead of one per write. A profiler tick ends in
 * four bulk writes and its cursor update; on a local server each round trip
 * costs about a millisecond of the tick.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {PostgresBulkWrite} from './bulk-upsert.js'
import type {Database} from './schema.js'

/**
 * Runs `writes`, each reading its rows from its own parameter (`$1`, `$2`,
 * ...), then `last`, a plain statement whose parameters follow theirs, and
 * returns how many rows each write inserted or updated. Every part sees the
 * same snapshot, so no two parts may touch the same row.
 *
 * @example
 * ```ts
 * const batch = new PostgresWriteBatch([attackers, commands], (n) => `update "worker_state" set "cursor" = $${n} where "worker" = $${n + 1}`)
 * const [attackersWritten, commandsInserted] = await batch.run(trx, [attackerRows, commandRows], [cursor, 'profiler'])
 * ```
 */
export class PostgresWriteBatch {
  readonly #writes: ReadonlyArray<PostgresBulkWrite<object>>
  readonly #sql: string

  constructor(writes: ReadonlyArray<PostgresBulkWrite<object>>, last: (firstParameter: number) => string) {
    this.#writes = writes
    const parts = writes.map((write, i) => `"w${i}" as (${write.postgresStatement(i + 1)} returning 1)`)
    parts.push(`"last" as (${last(writes.length + 1)} returning 1)`)
    const counts = writes.map((_, i) => `(select count(*) from "w${i}") as "w${i}"`)
    this.#sql = `with ${parts.join(', ')} select ${counts.join(', ')}`
  }

  /** Writes `rows[i]` through write `i` and runs the last statement with `lastParameters`. */
  async run(trx: Transaction<Database>, rows: ReadonlyArray<readonly object[]>, lastParameters: readonly unknown[]): Promise<number[]> {
    if (rows.length !== this.#writes.length) throw new Error(`expected rows for ${this.#writes.length} writes, got ${rows.length}`)
    const parameters = [...this.#writes.map((write, i) => write.postgresParameter(rows[i]!)), ...lastParameters]
    const result = await trx.executeQuery<Record<string, number | string>>(CompiledQuery.raw(this.#sql, parameters))
    const counts = result.rows[0]!
    return this.#writes.map((_, i) => Number(counts[`w${i}`]))
  }
}
