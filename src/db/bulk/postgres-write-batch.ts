/**
 * Several PostgreSQL bulk writes as one statement: data-modifying `WITH`
 * queries, one round trip instead of one per write. A profiler tick ends in
 * four bulk writes and its cursor update; on a local server each round trip
 * costs about a millisecond of the tick.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {PostgresBulkWrite} from './bulk-upsert.js'
import type {Database} from '../schema.js'

/**
 * Runs `writes`, each reading its rows from its own parameter (`$1`, `$2`,
 * ...), then `last`, a plain statement whose parameters follow theirs, and
 * returns how many rows each write inserted or updated. Every part sees the
 * same snapshot, so no two parts may touch the same row.
 *
 * @example
 * ```ts
 * const batch = new PostgresWriteBatch([attackers, batches], (n) => `update "worker_state" set "cursor" = $${n} where "worker" = $${n + 1}`)
 * const [attackersWritten, batchesInserted] = await batch.run(trx, [attackerRows, batchRows], [cursor, 'profiler'])
 * ```
 */
export class PostgresWriteBatch {
  readonly #writes: ReadonlyArray<PostgresBulkWrite<object>>
  /** The statement's end: the last part, and the select of the counts. */
  readonly #tail: string

  constructor(writes: ReadonlyArray<PostgresBulkWrite<object>>, last: (firstParameter: number) => string) {
    this.#writes = writes
    const counts = writes.map((_, i) => `(select count(*) from "w${i}") as "w${i}"`)
    this.#tail = `"last" as (${last(writes.length + 1)} returning 1) select ${counts.join(', ')}`
  }

  /** Writes `rows[i]` through write `i` and runs the last statement with `lastParameters`. */
  async run(trx: Transaction<Database>, rows: ReadonlyArray<readonly object[]>, lastParameters: readonly unknown[]): Promise<number[]> {
    if (rows.length !== this.#writes.length) throw new Error(`expected rows for ${this.#writes.length} writes, got ${rows.length}`)
    // each write's text depends on its rows (column texts or JSON, see `PostgresRowsSource`)
    const parts = this.#writes.map((write, i) => write.postgresWrite(rows[i], i + 1))
    const sql = `with ${parts.map((part, i) => `"w${i}" as (${part.sql} returning 1), `).join('')}${this.#tail}`
    const parameters = [...parts.map((part) => part.value), ...lastParameters]
    const result = await trx.executeQuery<Record<string, number | string>>(CompiledQuery.raw(sql, parameters))
    const counts = result.rows[0]
    return this.#writes.map((_, i) => Number(counts[`w${i}`]))
  }
}
