import {sql} from 'kysely'
import type {Kysely} from 'kysely'

/**
 * `ttp_tags.attack_version`: the MITRE ATT&CK release (`18.1`) whose catalog
 * the tag's rule was checked against when it was made. Null for tags made
 * before: ATT&CK renumbers between releases, so a reader must know which
 * release an id belongs to.
 *
 * Frozen history: plain SQL, valid in both dialects, importing nothing live.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ttp_tags add column attack_version text`.execute(db)
}

/** Drops the column. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table ttp_tags drop column attack_version`.execute(db)
}
