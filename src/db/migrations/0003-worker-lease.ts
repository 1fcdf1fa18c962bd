import type {Kysely} from 'kysely'

/**
 * `worker_lease`: one row per kind of worker (`profiler`, `ttp`) saying which
 * instance runs it and until when. Several fleets on one database take turns
 * through it (see src/workers/lease.ts). A table of its own, not columns on
 * `worker_state`, so renewing a lease never waits behind a tick's lock on the
 * cursor row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('worker_lease')
    .addColumn('worker', 'text', (col) => col.primaryKey())
    .addColumn('holder', 'text')
    .addColumn('acquired_at', 'text')
    .addColumn('expires_at', 'text', (col) => col.notNull().defaultTo(''))
    .execute()
}

/** Drops the table. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('worker_lease').execute()
}
