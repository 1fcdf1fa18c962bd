import {sql} from 'kysely'
import type {Kysely} from 'kysely'

/**
 * `attacker_geo`: what the operator's offline GeoIP and ASN databases say of
 * an attacker IP (`decnet fleet heavy --geoip-db FILE --asn-db FILE`), one row
 * per IP they know: `country` (ISO 3166-1 alpha-2), `asn`, `as_name`, each
 * null when its database is not given or has no answer; `source` names the
 * database files' types and builds that answered; `updated_at` when.
 *
 * Frozen history: plain SQL, valid in both dialects, importing nothing live.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table attacker_geo (
    ip text primary key,
    country text,
    asn bigint,
    as_name text,
    source text not null,
    updated_at text not null
  )`.execute(db)
  await sql`create index attacker_geo_country on attacker_geo (country)`.execute(db)
}

/** Drops the table. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table attacker_geo`.execute(db)
}
