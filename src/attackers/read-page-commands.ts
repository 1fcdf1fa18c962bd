import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import type {Database} from '../db/schema.js'
import type {AttackerCommand} from './attacker-profile.js'

import {dialectOf} from '../db/dialect-of.js'
import {valuesIn} from '../db/values-in.js'
import {commandElements} from './command-elements.js'

/**
 * The latest `perAttacker` commands of each of `ips` (a page of attackers,
 * at most a thousand), in time order, in one statement: the database
 * unpacks the batches and keeps the latest of each attacker, so the process
 * receives at most `perAttacker` commands per attacker. (`readRecentCommands`
 * reads the same commands with one statement per attacker, holding fewer
 * texts in the database at once; a page of exports needs them all.) A line
 * in two batches (a replay) counts once.
 *
 * @example
 * ```ts
 * const latest = await readPageCommands(db, page.map((a) => a.ip), 100)
 * ```
 */
export async function readPageCommands(db: Kysely<Database>, ips: readonly string[], perAttacker: number): Promise<Map<string, AttackerCommand[]>> {
  const byIp = new Map<string, AttackerCommand[]>()
  if (ips.length === 0 || perAttacker <= 0) return byIp
  const dialect = dialectOf(db)
  const e = commandElements(dialect)
  const {rows} = await sql<{ip: string; log_id: number | string; ts: string; decky: string; service: string; command: string}>`
    select ip, log_id, ts, decky, service, command from (
      select ip, log_id, ts, decky, service, command, row_number() over (partition by ip order by ts desc, log_id desc) as rn
      from (
        select distinct b.ip as ip, ${e.logId} as log_id, ${e.timestamp} as ts, ${e.decky} as decky, ${e.service} as service, ${e.command} as command
        from ${e.from} where ${valuesIn(dialect, 'b.ip', ips)}
      ) k
    ) r where rn <= ${perAttacker}`.execute(db)
  const ordered = rows
    .map((row) => ({...row, log_id: Number(row.log_id)}))
    .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.log_id - b.log_id))
  for (const row of ordered) {
    const command = {timestamp: row.ts, decky: row.decky, service: row.service, command: row.command}
    const list = byIp.get(row.ip)
    if (list === undefined) byIp.set(row.ip, [command])
    else list.push(command)
  }

  return byIp
}
