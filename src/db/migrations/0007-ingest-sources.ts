import {sql} from 'kysely'
import type {Kysely} from 'kysely'

/**
 * `ingest_sources`: how far `decnet ingest` got in each input it can
 * recognise again, written in the same transaction as the rows it covers, so
 * a rerun resumes after the last committed line and stores nothing twice.
 *
 * - `source_key`: `file:DEVICE:INODE` for a file (the file itself, not its
 *   name: a rotated `decnet.log.1` is still the file that was `decnet.log`),
 *   `stream:NAME` for standard input named with `--source NAME`.
 * - `path`: the file as last named, or the stream's name (for operators).
 * - `fingerprint`: SHA-256 (hex) of the first `fingerprint_bytes` bytes
 *   (at most 4 KiB): a different file behind a reused inode, or a file
 *   rewritten in place, does not match, and is read from the start.
 * - `byte_offset`: where the bytes after the last committed line start;
 *   `line_no`: that line's number.
 *
 * Frozen history: plain SQL, valid in both dialects (`bigint` is a 64-bit
 * integer in both), importing nothing live.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table ingest_sources (
    source_key text primary key,
    path text not null,
    fingerprint text not null,
    fingerprint_bytes integer not null,
    byte_offset bigint not null,
    line_no bigint not null,
    updated_at text not null
  )`.execute(db)
}

/** Drops the table. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table ingest_sources`.execute(db)
}
