import type {Transaction} from 'kysely'

import type {Database} from '../db/schema.js'

/**
 * Reads a worker's cursor through a write, creating the row at 0 the first
 * time. The write locks the cursor row until the transaction ends, so two
 * instances of one worker never process the same lines: the second waits for
 * the first's commit and then reads the cursor it moved.
 */
export async function claimCursor(trx: Transaction<Database>, worker: string): Promise<number> {
  const row = await trx
    .insertInto('worker_state')
    .values({cursor: 0, updated_at: new Date().toISOString(), worker})
    .onConflict((oc) => oc.column('worker').doUpdateSet((eb) => ({worker: eb.ref('excluded.worker')})))
    .returning('cursor')
    .executeTakeFirstOrThrow()
  return Number(row.cursor)
}
