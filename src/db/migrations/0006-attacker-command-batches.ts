import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import {bigintType} from '../column-types.js'
import {dialectOf} from '../dialect-of.js'

/** Log ids per batch when existing command rows are batched: bounds a batch's text. */
const BACKFILL_SPAN = 100_000

/**
 * `attacker_command_batches` replaces `attacker_commands`: one row per
 * attacker per profiler tick, holding that tick's commands of the attacker
 * as JSON `[[logId, timestamp, decky, service, command], ...]`, keyed by
 * `(ip, first_log_id, last_log_id)`.
 *
 * Why: a cold build finds a command in about a third of all lines. One row
 * per command, with the `(ip, log_id)` index written in attacker order all
 * over the index, cost PostgreSQL ~600 ms per 100,000-line tick (~36,000
 * rows); the same commands as ~4,400 batches cost it ~60 ms. (Batches of
 * `[logId, command]` alone, with time, decky and service read back from
 * `logs` by id, are a third of the size, but reading them back is random
 * access to the largest table: listing 1,000 attackers took 1.4 s instead of
 * 0.4.)
 *
 * Existing command rows become one batch per attacker and span of
 * {@link BACKFILL_SPAN} log ids; nothing is lost: `down` rebuilds the rows
 * from the batches.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attacker_command_batches')
    .addColumn('ip', 'text', (col) => col.notNull())
    .addColumn('first_log_id', bigintType(dialectOf(db)), (col) => col.notNull())
    .addColumn('last_log_id', bigintType(dialectOf(db)), (col) => col.notNull())
    .addColumn('commands', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('attacker_command_batches_pkey', ['ip', 'first_log_id', 'last_log_id'])
    .execute()
  const span = sql.lit(BACKFILL_SPAN)
  await (dialectOf(db) === 'postgres'
    ? sql`
        insert into attacker_command_batches (ip, first_log_id, last_log_id, commands)
        select ip, min(log_id), max(log_id), json_agg(json_build_array(log_id, timestamp, decky, service, command) order by log_id)::text
        from attacker_commands group by ip, log_id / ${span}`
    : sql`
        insert into attacker_command_batches (ip, first_log_id, last_log_id, commands)
        select ip, min(log_id), max(log_id), json_group_array(json_array(log_id, timestamp, decky, service, command) order by log_id)
        from attacker_commands group by ip, log_id / ${span}`
  ).execute(db)
  await db.schema.dropTable('attacker_commands').execute()
}

/** One `attacker_commands` row per batched command again. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attacker_commands')
    .addColumn('log_id', bigintType(dialectOf(db)), (col) => col.primaryKey())
    .addColumn('ip', 'text', (col) => col.notNull())
    .addColumn('timestamp', 'text', (col) => col.notNull())
    .addColumn('decky', 'text', (col) => col.notNull())
    .addColumn('service', 'text', (col) => col.notNull())
    .addColumn('command', 'text', (col) => col.notNull())
    .execute()
  await (dialectOf(db) === 'postgres'
    ? sql`
        insert into attacker_commands (log_id, ip, timestamp, decky, service, command)
        select (e.value->>0)::bigint, b.ip, e.value->>1, e.value->>2, e.value->>3, e.value->>4
        from attacker_command_batches b cross join lateral json_array_elements(b.commands::json) as e(value)
        on conflict (log_id) do nothing`
    : sql`
        insert or ignore into attacker_commands (log_id, ip, timestamp, decky, service, command)
        select json_extract(e.value, '$[0]'), b.ip, json_extract(e.value, '$[1]'), json_extract(e.value, '$[2]'),
          json_extract(e.value, '$[3]'), json_extract(e.value, '$[4]')
        from attacker_command_batches b, json_each(b.commands) e`
  ).execute(db)
  await db.schema.createIndex('attacker_commands_ip_log_id').on('attacker_commands').columns(['ip', 'log_id']).execute()
  await db.schema.dropTable('attacker_command_batches').execute()
}
