import type {Kysely} from 'kysely'

import type {Database} from '../db/schema.js'

/** One attacker decnet saw using a technique. */
export interface TechniqueAttacker {
  readonly ip: string
  /** Distinct log lines tagged with the technique. */
  readonly events: number
  readonly firstSeen: string
  readonly lastSeen: string
}

/** At most this many attackers are listed (the busiest first). */
export const MAX_TECHNIQUE_ATTACKERS = 100

/**
 * The attackers tagged with `techniqueId`, busiest first: for a technique
 * (`T1059`) its sub-techniques' tags count too (`ttp_tags.technique_id` is
 * always the parent); for a sub-technique (`T1059.004`) only its own.
 *
 * @example
 * ```ts
 * const attackers = await readTechniqueAttackers(db, 'T1059.004')
 * ```
 */
export async function readTechniqueAttackers(db: Kysely<Database>, techniqueId: string, limit = MAX_TECHNIQUE_ATTACKERS): Promise<TechniqueAttacker[]> {
  const column = techniqueId.includes('.') ? 'sub_technique_id' : 'technique_id'
  const rows = await db
    .selectFrom('ttp_tags')
    .select((eb) => [
      'attacker_ip',
      eb.fn.count<number | string>('log_id').distinct().as('events'),
      eb.fn.min('timestamp').as('first_seen'),
      eb.fn.max('timestamp').as('last_seen'),
    ])
    .where(column, '=', techniqueId)
    .where('attacker_ip', 'is not', null)
    .groupBy('attacker_ip')
    .orderBy('events', 'desc')
    .orderBy('attacker_ip')
    .limit(limit)
    .execute()
  return rows.map((row) => ({events: Number(row.events), firstSeen: row.first_seen, ip: row.attacker_ip!, lastSeen: row.last_seen}))
}
