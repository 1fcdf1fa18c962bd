import {sql} from 'kysely'
import type {Kysely} from 'kysely'

/**
 * `attacker_smtp_targets`: the mail domains an attacker tried to reach, one
 * row per (attacker_ip, domain), the profiler's incremental fold of DECNET's
 * SMTP lines (`rcpt_to`, `rcpt_denied`, ... and `message_accepted`):
 *
 * - `domain`: lower case, an IDN as its `xn--` A-label;
 * - `count`: `RCPT TO` lines naming it; `messages`: accepted messages
 *   addressed to it; `first_seen`, `last_seen`: event times (ISO-8601 UTC);
 * - `first_log_id`, `last_log_id`: the log ids folded in, so that a write of
 *   lines already folded (a replay) is skipped.
 *
 * `attacker_smtp_targets_domain` finds the attackers that targeted a domain.
 *
 * Frozen history: plain SQL, valid in both dialects, importing nothing live.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table attacker_smtp_targets (
    attacker_ip text not null,
    domain text not null,
    count bigint not null,
    messages bigint not null,
    first_seen text not null,
    last_seen text not null,
    first_log_id bigint not null,
    last_log_id bigint not null,
    primary key (attacker_ip, domain)
  )`.execute(db)
  await sql`create index attacker_smtp_targets_domain on attacker_smtp_targets (domain)`.execute(db)
}

/** Drops the table. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table attacker_smtp_targets`.execute(db)
}
