/**
 * The `attacker.technique` alerts of a TTP tick: for each attacker, each
 * technique its new tags carry that none of its stored tags does, once (the
 * earliest line). Read inside the tick's transaction, before its tags are
 * written, through the `(attacker_ip, technique_id)` index (migration 0016).
 */
import type {Transaction} from 'kysely'

import type {NewAlert} from '../../alerts/alert.js'
import type {Database, NewTtpTag} from '../../db/schema.js'

import {chunks} from '../../util/chunks.js'

// IPs per look-up, far below SQLite's bound-parameter limit
const IPS_PER_SELECT = 500

/**
 * The alerts for techniques `tags` give attackers that their stored tags do
 * not: call it before writing `tags`.
 *
 * @example
 * ```ts
 * const alerts = await techniqueAlerts(trx, tags)
 * await writer.write(trx, tags)
 * await queue.queue(trx, alerts)
 * ```
 */
export async function techniqueAlerts(trx: Transaction<Database>, tags: readonly NewTtpTag[]): Promise<NewAlert[]> {
  const first = new Map<string, NewTtpTag>()
  for (const tag of tags) {
    if (tag.attacker_ip === null || tag.attacker_ip === undefined) continue
    const key = pairKey(tag.attacker_ip, techniqueOf(tag))
    const seen = first.get(key)
    if (seen === undefined || earlier(tag, seen)) first.set(key, tag)
  }

  if (first.size === 0) return []
  const ips = [...new Set([...first.values()].map((tag) => tag.attacker_ip!))]
  const parents = [...new Set([...first.values()].map((tag) => tag.technique_id))]
  for (const chunk of chunks(ips, IPS_PER_SELECT)) {
    const stored = await trx
      .selectFrom('ttp_tags')
      .select(['attacker_ip', 'technique_id', 'sub_technique_id'])
      .distinct()
      .where('attacker_ip', 'in', chunk)
      .where('technique_id', 'in', parents)
      .execute()
    for (const row of stored) first.delete(pairKey(row.attacker_ip!, row.sub_technique_id ?? row.technique_id))
  }

  return [...first.values()].map((tag) => ({
    attackerIp: tag.attacker_ip!,
    kind: 'attacker.technique' as const,
    logId: tag.log_id,
    ruleId: tag.rule_id,
    seenAt: tag.timestamp,
    tactic: tag.tactic,
    techniqueId: techniqueOf(tag),
  }))
}

/** The technique a tag stands for: its sub-technique when it has one. */
function techniqueOf(tag: NewTtpTag): string {
  return tag.sub_technique_id ?? tag.technique_id
}

function pairKey(ip: string, technique: string): string {
  return `${ip} ${technique}`
}

function earlier(a: NewTtpTag, b: NewTtpTag): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.log_id < b.log_id)
}
