import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import type {Database} from '../db/schema.js'
import type {AttackerFilter} from './read-attacker-pages.js'

import {dialectOf} from '../db/dialect-of.js'
import {valuesIn} from '../db/values-in.js'

/** One technique across attackers (an ATT&CK Navigator cell). */
export interface TechniqueTotal {
  /** The sub-technique when the tag names one (`T1059.004`), else the technique. */
  readonly techniqueId: string
  /** Tactic ids (`TA0002`) its tags gave it, sorted. */
  readonly tactics: readonly string[]
  /** Distinct attackers tagged with it. */
  readonly attackers: number
  /** Distinct log lines tagged with it. */
  readonly lines: number
  /** The busiest of those attackers (most lines, then by IP), at most the number asked for. */
  readonly top: ReadonlyArray<{readonly ip: string; readonly lines: number}>
}

/**
 * Every technique the attackers `filter` selects were tagged with: how many
 * attackers and lines, and the busiest `topAttackers` attackers of each.
 * Memory: one entry per technique, whatever the number of attackers.
 *
 * @example
 * ```ts
 * const counts = await readTechniqueTotals(db, {since: '2026-12-01T00:00:00.000Z'}, 10)
 * ```
 */
export async function readTechniqueTotals(db: Kysely<Database>, filter: AttackerFilter, topAttackers: number): Promise<TechniqueTotal[]> {
  if (filter.ips !== undefined && filter.ips.length === 0) return []
  const dialect = dialectOf(db)
  const technique = sql<string>`coalesce(sub_technique_id, technique_id)`
  const conditions = [sql`attacker_ip is not null`]
  if (filter.ips !== undefined) conditions.push(valuesIn(dialect, 'attacker_ip', filter.ips))
  if (filter.since !== undefined || filter.until !== undefined) {
    const window = [
      ...(filter.since === undefined ? [] : [sql`last_seen >= ${filter.since}`]),
      ...(filter.until === undefined ? [] : [sql`first_seen <= ${filter.until}`]),
    ]
    conditions.push(sql`attacker_ip in (select ip from attackers where ${sql.join(window, sql` and `)})`)
  }

  const where = sql.join(conditions, sql` and `)
  const [{rows: totals}, {rows: tactics}, {rows: top}] = await Promise.all([
    sql<{technique_id: string; attackers: number | string; lines: number | string}>`
      select ${technique} as technique_id, count(distinct attacker_ip) as attackers, count(distinct log_id) as lines
      from ttp_tags where ${where} group by ${technique}`.execute(db),
    sql<{technique_id: string; tactic: string}>`select distinct ${technique} as technique_id, tactic from ttp_tags where ${where}`.execute(db),
    sql<{technique_id: string; ip: string; lines: number | string}>`
      select technique_id, ip, lines from (
        select ${technique} as technique_id, attacker_ip as ip, count(distinct log_id) as lines,
          row_number() over (partition by ${technique} order by count(distinct log_id) desc, attacker_ip) as rn
        from ttp_tags where ${where} group by ${technique}, attacker_ip
      ) r where rn <= ${Math.max(1, topAttackers)} order by technique_id, rn`.execute(db),
  ])
  const byId = new Map<string, {attackers: number; lines: number; tactics: string[]; top: Array<{ip: string; lines: number}>}>()
  for (const row of totals) byId.set(row.technique_id, {attackers: Number(row.attackers), lines: Number(row.lines), tactics: [], top: []})
  for (const row of tactics) byId.get(row.technique_id)?.tactics.push(row.tactic)
  if (topAttackers > 0) for (const row of top) byId.get(row.technique_id)?.top.push({ip: row.ip, lines: Number(row.lines)})
  return [...byId]
    .map(([techniqueId, entry]) => ({...entry, tactics: entry.tactics.sort(), techniqueId}))
    .sort((a, b) => (a.techniqueId < b.techniqueId ? -1 : a.techniqueId > b.techniqueId ? 1 : 0))
}
