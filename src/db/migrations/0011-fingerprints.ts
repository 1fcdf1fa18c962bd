import {sql} from 'kysely'
import type {Kysely} from 'kysely'

/**
 * `attacker_fingerprints`: what an attacker's software, stack and network
 * path look like, one row per (attacker_ip, type, value_sha256), the
 * profiler's incremental fold of every line carrying a fingerprint:
 *
 * - `type`: the family (`http_useragent`, `ja3`, `hassh_server`, ...);
 *   `value`: what identifies it (the first 1,024 characters), `value_sha256`
 *   the hash of all of it (the key, so no value is too long for an index);
 * - `details`: JSON of the descriptive fields of the first line that showed it;
 * - `count`: lines that showed it; `first_seen`, `last_seen`: event times
 *   (ISO-8601 UTC);
 * - `first_log_id`, `last_log_id`: the log ids folded in, so that a write of
 *   lines already folded (a replay) is skipped.
 *
 * Frozen history: plain SQL, valid in both dialects, importing nothing live.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table attacker_fingerprints (
    attacker_ip text not null,
    type text not null,
    value_sha256 text not null,
    value text not null,
    details text not null,
    count bigint not null,
    first_seen text not null,
    last_seen text not null,
    first_log_id bigint not null,
    last_log_id bigint not null,
    primary key (attacker_ip, type, value_sha256)
  )`.execute(db)
  await sql`create index attacker_fingerprints_value on attacker_fingerprints (type, value_sha256)`.execute(db)
}

/** Drops the table. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table attacker_fingerprints`.execute(db)
}
