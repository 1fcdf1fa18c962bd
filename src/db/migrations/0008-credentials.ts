import {sql} from 'kysely'
import type {Kysely} from 'kysely'

/**
 * `credentials`: what attackers tried to log in with, one row per
 * (attacker_ip, decky, service, secret_kind, secret_sha256, principal), the
 * profiler's incremental fold of every line carrying DECNET's credential
 * shape (`secret_b64` and friends):
 *
 * - `attacker_ip`: `''` when the line named no attacker (FTP, MQTT);
 *   `principal`: `''` when it named no one (so the key has no NULL);
 * - `secret_b64`: the exact secret bytes (the first 1,024) as standard
 *   base64, `secret_bytes` their full count, `secret_sha256` the hash of all
 *   of them; `domain`: the NTLM domain first seen;
 * - `attempts`, `successes`, `failures`: lines, and those whose `outcome`
 *   said so; `first_seen`, `last_seen`: event times (ISO-8601 UTC);
 * - `first_log_id`, `last_log_id`: the log ids folded in, so that a write
 *   of lines already folded (a replay) is skipped.
 *
 * `attacker_services`: one row per (ip, service, kind) the attacker showed,
 * kind `interaction` or `scan` (DECNET's event-kind buckets; noise and
 * DECNET's own sniffer and prober are not counted), with the first log id
 * that showed it; written once (a replay inserts nothing).
 *
 * `attacker_artifacts`: one row per `file_captured` or `session_recorded`
 * line of an attacker (keyed by its log id, so a replay adds nothing), its
 * details as JSON.
 *
 * `credentials_secret` serves credential reuse (the same secret on several
 * deckies and services). Lines profiled before this migration are not in
 * it until the profile is rebuilt (docs/profiles.md says how).
 *
 * Frozen history: plain SQL, valid in both dialects, importing nothing live.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table credentials (
    attacker_ip text not null,
    decky text not null,
    service text not null,
    secret_kind text not null,
    secret_sha256 text not null,
    principal text not null,
    secret_b64 text not null,
    secret_bytes bigint not null,
    domain text,
    attempts bigint not null,
    successes bigint not null,
    failures bigint not null,
    first_seen text not null,
    last_seen text not null,
    first_log_id bigint not null,
    last_log_id bigint not null,
    primary key (attacker_ip, decky, service, secret_kind, secret_sha256, principal)
  )`.execute(db)
  await sql`create index credentials_secret on credentials (secret_sha256)`.execute(db)
  await sql`create table attacker_services (
    ip text not null,
    service text not null,
    kind text not null,
    first_log_id bigint not null,
    primary key (ip, service, kind)
  )`.execute(db)
  await sql`create table attacker_artifacts (
    log_id bigint primary key,
    ip text not null,
    kind text not null,
    timestamp text not null,
    decky text not null,
    service text not null,
    details text not null
  )`.execute(db)
  await sql`create index attacker_artifacts_ip on attacker_artifacts (ip, log_id)`.execute(db)
}

/** Drops the tables. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table attacker_artifacts`.execute(db)
  await sql`drop table attacker_services`.execute(db)
  await sql`drop table credentials`.execute(db)
}
