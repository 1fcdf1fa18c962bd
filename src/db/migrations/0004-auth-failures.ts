import type {Kysely} from 'kysely'

import {bigintType} from '../column-types.js'
import {dialectOf} from '../dialect-of.js'
import {isFailedLogin0004} from './0004-auth-failures-rule.js'

/** Log rows read at a time while backfilling. */
const BACKFILL_CHUNK = 5000
/** Failures inserted per statement (3 parameters each). */
const INSERT_CHUNK = 1000

/**
 * `auth_failures`: the failed logins the TTP worker has seen (one row per
 * log line, keyed by its id), with an index on `(ip, timestamp)` for the
 * brute-force look-back, which reads them instead of `logs`. `logs` then
 * loses its only secondary index, `logs_attacker_ip_timestamp` (0002): it
 * cost about half of SQLite's work per ingested line, for a query that only
 * ever wanted the few lines that are failed logins.
 *
 * An existing database gets the failures of the lines the TTP worker has
 * already tagged (ids up to its cursor), read in chunks by id, so the
 * look-back of the next tick still sees them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_failures')
    .addColumn('log_id', bigintType(dialectOf(db)), (col) => col.primaryKey())
    .addColumn('ip', 'text', (col) => col.notNull())
    .addColumn('timestamp', 'text', (col) => col.notNull())
    .execute()
  await backfill(db)
  // after the backfill: one sort instead of a B-tree insert per row
  await db.schema.createIndex('auth_failures_ip_timestamp').on('auth_failures').columns(['ip', 'timestamp']).execute()
  await db.schema.dropIndex('logs_attacker_ip_timestamp').ifExists().execute()
}

/** Puts the index on `logs` back and drops the table. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('logs_attacker_ip_timestamp').ifNotExists().on('logs').columns(['attacker_ip', 'timestamp']).execute()
  await db.schema.dropTable('auth_failures').execute()
}

/** Copies the failures of the lines at or below the TTP cursor into `auth_failures`. */
async function backfill(db: Kysely<any>): Promise<void> {
  let query = db.selectFrom('worker_state').select('cursor').where('worker', '=', 'ttp')
  // A TTP worker of the previous version may be ticking: wait for its tick and
  // keep its cursor still until this migration commits, or the lines of its
  // next tick would have no failures here. (SQLite: the migration already
  // holds the database's write lock.)
  if (dialectOf(db) === 'postgres') query = query.forUpdate()
  const cursor = Number((await query.executeTakeFirst())?.cursor ?? 0)

  let after = 0
  while (after < cursor) {
    const rows = await db
      .selectFrom('logs')
      .select(['id', 'timestamp', 'attacker_ip', 'event_type', 'fields', 'msg'])
      .where('id', '>', after)
      .where('id', '<=', cursor)
      .orderBy('id')
      .limit(BACKFILL_CHUNK)
      .execute()
    if (rows.length === 0) break
    after = Number(rows.at(-1)!.id)
    const failures = rows.filter((row) => row.attacker_ip && Number.isFinite(Date.parse(row.timestamp)) && isFailedLogin0004(row))
    for (let start = 0; start < failures.length; start += INSERT_CHUNK) {
      const values = failures.slice(start, start + INSERT_CHUNK).map((row) => ({ip: row.attacker_ip, log_id: row.id, timestamp: row.timestamp}))
      await db.insertInto('auth_failures').values(values).execute()
    }
  }
}
