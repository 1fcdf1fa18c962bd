import {sql} from 'kysely'
import type {Kysely} from 'kysely'

/**
 * What the TTP worker's authentication and behaviour rules remember between
 * ticks, all written in the same transaction as its cursor:
 *
 * - `auth_failures.principal`, `auth_failures.secret_sha256`: who a failed
 *   login was for and the SHA-256 of the secret tried (null when the line
 *   named none), for the password-spraying look-back. Rows written before
 *   have neither.
 * - `credential_pairs`: one row per credential (secret kind, principal,
 *   secret hash: `pair_key` is their SHA-256), the first line that used it
 *   (`first_log_id`, `first_ip`, `first_target` as `decky/service`) and the
 *   first line that used it from another attacker or on another target
 *   (`spread_log_id`, null until then): credential stuffing.
 * - `credential_stuffers`: per attacker, the line that was tagged as
 *   credential stuffing (each attacker is tagged once).
 * - `ttp_beacons`: per attacker, its latest event times (JSON), the last
 *   log id folded in and whether it looked like a beacon then.
 *
 * Frozen history: plain SQL, valid in both dialects, importing nothing live.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table auth_failures add column principal text`.execute(db)
  await sql`alter table auth_failures add column secret_sha256 text`.execute(db)
  await sql`create table credential_pairs (
    pair_key text primary key,
    first_log_id bigint not null,
    first_ip text not null,
    first_target text not null,
    spread_log_id bigint
  )`.execute(db)
  await sql`create table credential_stuffers (
    ip text primary key,
    tagged_log_id bigint not null
  )`.execute(db)
  await sql`create table ttp_beacons (
    ip text primary key,
    last_log_id bigint not null,
    state text not null
  )`.execute(db)
}

/** Drops the tables and columns. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table ttp_beacons`.execute(db)
  await sql`drop table credential_stuffers`.execute(db)
  await sql`drop table credential_pairs`.execute(db)
  await sql`alter table auth_failures drop column secret_sha256`.execute(db)
  await sql`alter table auth_failures drop column principal`.execute(db)
}
