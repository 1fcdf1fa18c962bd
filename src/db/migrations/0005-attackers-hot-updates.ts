import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import {dialectOf} from '../dialect-of.js'

/** Of each PostgreSQL page of `attackers`, the percentage new rows may fill (the rest is for their updates). */
export const ATTACKERS_FILLFACTOR = 50

/**
 * `attackers` is rewritten on every profiler tick for each attacker the tick
 * touches (hundreds of rows), and read by `decnet attackers`. This migration
 * favours the writes:
 *
 * - It drops the `attackers_last_seen` index (0001). Every tick moves
 *   `last_seen`, so every row update also rewrote an index entry; and on
 *   PostgreSQL an update of an indexed column can never be a HOT update (a
 *   new row version on the same page, with no index entry at all). The listing
 *   sorts by `last_seen` instead, which for thousands of attackers costs
 *   milliseconds.
 * - PostgreSQL: pages keep half their space free (`fillfactor`), so an
 *   updated row finds room on its own page and the update stays HOT.
 *
 * Measured on PostgreSQL with ticks of 1,000 lines (~840 attackers), the two
 * together make a tick 15% (10k lines of history) to 22% (1M) faster; either
 * alone changes nothing measurable.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('attackers_last_seen').ifExists().execute()
  if (dialectOf(db) === 'postgres') await sql`alter table attackers set (fillfactor = ${sql.lit(ATTACKERS_FILLFACTOR)})`.execute(db)
}

/** Puts the index back and the default fill factor. */
export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') await sql`alter table attackers reset (fillfactor)`.execute(db)
  await db.schema.createIndex('attackers_last_seen').ifNotExists().on('attackers').column('last_seen').execute()
}
