import {PostgresAdapter} from 'kysely'
import type {Kysely} from 'kysely'

/** The two database dialects decnet speaks. */
export type DialectName = 'sqlite' | 'postgres'

/**
 * Which dialect a kysely instance (or a transaction or connection of it)
 * talks to, for the few places where SQL must differ.
 *
 * @example
 * ```ts
 * if (dialectOf(db) === 'postgres') await sql`select pg_advisory_xact_lock(1)`.execute(trx)
 * ```
 */
export function dialectOf(db: Pick<Kysely<unknown>, 'getExecutor'>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}
