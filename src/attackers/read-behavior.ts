/**
 * The read side of `attacker_behavior`: one attacker's behaviour section
 * (`decnet attackers show`) and the classes of listed attackers.
 */
import type {Kysely} from 'kysely'

import type {Database} from '../db/schema.js'
import type {AttackerBehavior} from './attacker-behavior.js'

import {chunks} from '../util/chunks.js'

const IPS_PER_SELECT = 1000

/**
 * The behaviour of attacker `ip` as the profiler derived it, or null when
 * it has none yet (profiled before migration 0012 and not rebuilt).
 *
 * @example
 * ```ts
 * const behavior = await readAttackerBehavior(db, '203.0.113.7')
 * ```
 */
export async function readAttackerBehavior(db: Kysely<Database>, ip: string): Promise<AttackerBehavior | null> {
  const row = await db.selectFrom('attacker_behavior').select('profile').where('ip', '=', ip).executeTakeFirst()
  return row === undefined ? null : (JSON.parse(row.profile) as AttackerBehavior)
}

/**
 * The behaviour of each of `ips` that has one (a page of attackers, as the
 * exports read them), in one statement per {@link IPS_PER_SELECT} IPs.
 *
 * @example
 * ```ts
 * const byIp = await readBehaviors(db, ['203.0.113.7', '2001:db8::1'])
 * ```
 */
export async function readBehaviors(db: Kysely<Database>, ips: readonly string[]): Promise<Map<string, AttackerBehavior>> {
  const behaviors = new Map<string, AttackerBehavior>()
  for (const chunk of chunks([...ips], IPS_PER_SELECT)) {
    const rows = await db.selectFrom('attacker_behavior').select(['ip', 'profile']).where('ip', 'in', chunk).execute()
    for (const row of rows) behaviors.set(row.ip, JSON.parse(row.profile) as AttackerBehavior)
  }

  return behaviors
}

/** The behaviour class of each of `ips` that has one. */
export async function readBehaviorClasses(db: Kysely<Database>, ips: readonly string[]): Promise<Map<string, string>> {
  const classes = new Map<string, string>()
  for (const chunk of chunks([...ips], IPS_PER_SELECT)) {
    const rows = await db.selectFrom('attacker_behavior').select(['ip', 'behavior_class']).where('ip', 'in', chunk).execute()
    for (const row of rows) classes.set(row.ip, row.behavior_class)
  }

  return classes
}
