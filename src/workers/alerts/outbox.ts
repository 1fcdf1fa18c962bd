/** The sender's side of `alert_outbox`: the oldest alerts, and forgetting the delivered ones. */
import type {Kysely} from 'kysely'

import type {AlertKind} from '../../alerts/alert.js'
import type {QueuedAlert} from '../../alerts/alert-payload.js'
import type {Database} from '../../db/schema.js'

import {ALERT_KINDS} from '../../alerts/alert.js'

/** A queued alert with its row id. */
export interface OutboxAlert extends QueuedAlert {
  readonly id: number
}

/** The `limit` oldest alerts (by id). A row of a kind this version does not know is skipped, not sent. */
export async function oldestAlerts(db: Kysely<Database>, limit: number): Promise<OutboxAlert[]> {
  const rows = await db.selectFrom('alert_outbox').selectAll().orderBy('id').limit(limit).execute()
  return rows.flatMap((row) => {
    if (!ALERT_KINDS.includes(row.kind as AlertKind)) return []
    const details = parseDetails(row.details)
    return [{
      attackerIp: row.attacker_ip,
      id: Number(row.id),
      kind: row.kind as AlertKind,
      logId: Number(row.log_id),
      queuedAt: row.queued_at,
      seenAt: row.seen_at,
      tactic: row.tactic,
      techniqueId: row.technique_id,
      ...details,
    }]
  })
}

/** Deletes delivered alerts by id. */
export async function forgetAlerts(db: Kysely<Database>, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom('alert_outbox').where('id', 'in', ids).execute()
}

/** How many alerts wait. */
export async function queuedAlerts(db: Kysely<Database>): Promise<number> {
  const {count} = await db.selectFrom('alert_outbox').select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow()
  return Number(count)
}

function parseDetails(text: string): {decky?: string; ruleId?: string; service?: string} {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>
    const pick = (name: string) => (typeof parsed[name] === 'string' ? {[name]: parsed[name]} : {})
    return {...pick('decky'), ...pick('service'), ...pick('ruleId')}
  } catch {
    return {} // not ours: the alert is still sent, without its details
  }
}
