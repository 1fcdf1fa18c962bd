import {sql} from 'kysely'
import type {Kysely} from 'kysely'

/**
 * `attacker_behavior`: one row per attacker, the profiler's incremental
 * behaviour state, written in the same transaction as its cursor:
 *
 * - `last_log_id`: the last log line folded in (a replay of lines at or
 *   below it changes nothing, whatever happened to `attackers`);
 * - `state`: JSON, the running aggregates (counts, the exact sum of squared
 *   gaps, the latest event times, a gap sketch, TCP/IP sightings...);
 * - `profile`: JSON, the behaviour section derived from it, as `decnet
 *   attackers show` prints it;
 * - `behavior_class`: the class, apart, for `decnet attackers --behavior`.
 *
 * Lines profiled before this migration are not in it until the profile is
 * rebuilt (docs/profiles.md says how).
 *
 * Frozen history: plain SQL, valid in both dialects, importing nothing live.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table attacker_behavior (
    ip text primary key,
    last_log_id bigint not null,
    behavior_class text not null,
    state text not null,
    profile text not null
  )`.execute(db)
  await sql`create index attacker_behavior_class on attacker_behavior (behavior_class)`.execute(db)
}

/** Drops the table. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table attacker_behavior`.execute(db)
}
