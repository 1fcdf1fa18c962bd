import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import type {Database} from '../db/schema.js'

import {dialectOf} from '../db/dialect-of.js'
import {valuesIn} from '../db/values-in.js'
import {chunks} from '../util/chunks.js'

/** One technique seen for one attacker: how often and when (what a STIX sighting says). */
export interface TechniqueSighting {
  /** The sub-technique when the tag names one (`T1059.004`), else the technique (`T1082`). */
  readonly techniqueId: string
  /** Tactic ids (`TA0002`) the tags gave it, sorted. */
  readonly tactics: readonly string[]
  /** Distinct log lines tagged with it. */
  readonly count: number
  /** The earliest and latest tagged line, ISO-8601 UTC. */
  readonly firstSeen: string
  readonly lastSeen: string
  /** The ATT&CK releases the tags were made with (empty for tags older than migration 0010), sorted. */
  readonly attackVersions: readonly string[]
}

const IPS_PER_SELECT = 1000

/**
 * The techniques each of `ips` was tagged with (most lines first, then by
 * id): one statement per thousand attackers.
 *
 * @example
 * ```ts
 * const sightings = await readTechniqueSightings(db, ['203.0.113.7'])
 * sightings.get('203.0.113.7') // [{techniqueId: 'T1059.004', tactics: ['TA0002'], count: 3, firstSeen, lastSeen, attackVersions: ['18.1']}]
 * ```
 */
export async function readTechniqueSightings(db: Kysely<Database>, ips: readonly string[]): Promise<Map<string, TechniqueSighting[]>> {
  const dialect = dialectOf(db)
  const byIp = new Map<string, TechniqueSighting[]>()
  for (const chunk of chunks(ips, IPS_PER_SELECT)) {
    const technique = sql<string>`coalesce(sub_technique_id, technique_id)`
    const where = valuesIn(dialect, 'attacker_ip', chunk)
    const [{rows: counts}, {rows: labels}] = await Promise.all([
      sql<{ip: string; technique_id: string; lines: number | string; first_seen: string; last_seen: string}>`
        select attacker_ip as ip, ${technique} as technique_id, count(distinct log_id) as lines, min(timestamp) as first_seen, max(timestamp) as last_seen
        from ttp_tags where ${where} group by attacker_ip, ${technique}`.execute(db),
      sql<{ip: string; technique_id: string; tactic: string; attack_version: null | string}>`
        select distinct attacker_ip as ip, ${technique} as technique_id, tactic, attack_version from ttp_tags where ${where}`.execute(db),
    ])
    const grouped = new Map<string, {count: number; firstSeen: string; lastSeen: string; tactics: Set<string>; versions: Set<string>}>()
    for (const row of counts) {
      grouped.set(`${row.ip} ${row.technique_id}`, {count: Number(row.lines), firstSeen: row.first_seen, lastSeen: row.last_seen, tactics: new Set(), versions: new Set()})
    }

    for (const row of labels) {
      const entry = grouped.get(`${row.ip} ${row.technique_id}`)
      entry?.tactics.add(row.tactic)
      if (row.attack_version !== null) entry?.versions.add(row.attack_version)
    }

    for (const [key, entry] of grouped) {
      const ip = key.slice(0, key.indexOf(' '))
      const sighting = {attackVersions: [...entry.versions].sort(), count: entry.count, firstSeen: entry.firstSeen, lastSeen: entry.lastSeen, tactics: [...entry.tactics].sort(), techniqueId: key.slice(ip.length + 1)}
      const list = byIp.get(ip)
      if (list === undefined) byIp.set(ip, [sighting])
      else list.push(sighting)
    }
  }

  for (const list of byIp.values()) list.sort((a, b) => b.count - a.count || (a.techniqueId < b.techniqueId ? -1 : a.techniqueId > b.techniqueId ? 1 : 0))
  return byIp
}
