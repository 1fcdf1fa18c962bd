import type {Kysely} from 'kysely'

/**
 * An index on `logs (attacker_ip, timestamp)`: the TTP worker's brute-force
 * rule looks back a few minutes into one attacker's history when a burst of
 * failed logins straddles two ticks; without it that look-back reads the
 * attacker's whole history.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('logs_attacker_ip_timestamp').on('logs').columns(['attacker_ip', 'timestamp']).execute()
}

/** Drops the index. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('logs_attacker_ip_timestamp').execute()
}
