/**
 * The read side of `attacker_smtp_targets`: the mail domains an attacker
 * tried to reach, the most tried first.
 */
import type {Kysely, Selectable} from 'kysely'

import {sql} from 'kysely'

import type {AttackerSmtpTargetsTable, Database} from '../db/schema.js'
import type {AttackerSmtpTarget} from './attacker-profile.js'

import {dialectOf} from '../db/dialect-of.js'
import {valuesIn} from '../db/values-in.js'

/** SMTP target domains `decnet attackers show` carries at most (the most tried). */
export const SHOW_SMTP_TARGETS = 200

/**
 * Attacker `ip`'s SMTP target domains, the `limit` most tried (`RCPT TO`
 * lines, then accepted messages, then the latest seen, then by name), and
 * how many there are.
 *
 * @example
 * ```ts
 * const {list, count} = await readAttackerSmtpTargets(db, '203.0.113.7', SHOW_SMTP_TARGETS)
 * ```
 */
export async function readAttackerSmtpTargets(db: Kysely<Database>, ip: string, limit: number): Promise<{count: number; list: AttackerSmtpTarget[]}> {
  const byIp = await readPageSmtpTargets(db, [ip], limit)
  return byIp.get(ip) ?? {count: 0, list: []}
}

/** {@link readAttackerSmtpTargets} for each of `ips` (a page of attackers), in one statement. */
export async function readPageSmtpTargets(db: Kysely<Database>, ips: readonly string[], limit: number): Promise<Map<string, {count: number; list: AttackerSmtpTarget[]}>> {
  const byIp = new Map<string, {count: number; list: AttackerSmtpTarget[]}>()
  if (ips.length === 0) return byIp
  const {rows} = await sql<Selectable<AttackerSmtpTargetsTable> & {rn: number | string; total: number | string}>`
    select * from (
      select t.*,
        row_number() over (partition by attacker_ip order by count desc, messages desc, last_seen desc, domain) as rn,
        count(*) over (partition by attacker_ip) as total
      from attacker_smtp_targets t where ${valuesIn(dialectOf(db), 'attacker_ip', ips)}
    ) r where rn <= ${Math.max(1, limit)} order by attacker_ip, rn`.execute(db)
  for (const row of rows) {
    let entry = byIp.get(row.attacker_ip)
    if (entry === undefined) byIp.set(row.attacker_ip, (entry = {count: Number(row.total), list: []}))
    if (Number(row.rn) <= limit) entry.list.push(attackerSmtpTarget(row))
  }

  return byIp
}

/** A row of `attacker_smtp_targets` as an SMTP target. */
export function attackerSmtpTarget(row: Selectable<AttackerSmtpTargetsTable>): AttackerSmtpTarget {
  return {domain: row.domain, count: Number(row.count), messages: Number(row.messages), firstSeen: row.first_seen, lastSeen: row.last_seen}
}
