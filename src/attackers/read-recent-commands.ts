/**
 * Bounded reads of attackers' commands: the latest few of each attacker and
 * how many there are in all (what list views carry), or all of one
 * attacker's commands a page at a time (what `decnet attackers show`
 * streams). The database unpacks the batches; the process holds only the
 * keys (log id and time) of one attacker's commands and one page of texts.
 */
import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import type {Database} from '../db/schema.js'
import type {AttackerCommand} from './attacker-profile.js'

import {dialectOf} from '../db/dialect-of.js'
import {valuesIn} from '../db/values-in.js'
import {chunks} from '../util/chunks.js'
import {commandElements} from './command-elements.js'

/** IPs per statement. */
const IPS_PER_SELECT = 1000

/** Commands whose texts one statement of {@link streamCommands} reads (64 KiB lines: a few MB). */
export const COMMANDS_PER_PAGE = 64

/** An attacker's latest commands and the number of its commands. */
export interface RecentCommands {
  /** At most the number asked for: the latest, in time order (then log order). */
  commands: AttackerCommand[]
  /** All of the attacker's commands (each log line once). */
  count: number
}

interface CommandKey {
  logId: number
  timestamp: string
}

/**
 * The latest `perAttacker` commands of each of `ips` that has any, in time
 * order, with how many it has in all. A line in two batches (a replay after
 * `attackers` alone was cleared) counts once. Memory: the keys the database
 * returns (at most `perAttacker` per attacker) and those commands' texts.
 *
 * @example
 * ```ts
 * const recent = await readRecentCommands(db, ['203.0.113.7'], 10)
 * recent.get('203.0.113.7') // {commands: [...at most 10], count: 1234}
 * ```
 */
export async function readRecentCommands(db: Kysely<Database>, ips: readonly string[], perAttacker: number): Promise<Map<string, RecentCommands>> {
  if (!(Number.isInteger(perAttacker) && perAttacker >= 0)) throw new RangeError(`expected the commands per attacker to be a non-negative integer, got ${perAttacker}`)
  const dialect = dialectOf(db)
  const e = commandElements(dialect)
  const keys = new Map<string, {count: number; keys: CommandKey[]}>()
  for (const chunk of chunks(ips, IPS_PER_SELECT)) {
    const {rows} = await sql<{ip: string; log_id: number | string; ts: string; total: number | string; rn: number | string}>`
      select ip, log_id, ts, total, rn from (
        select ip, log_id, ts,
          row_number() over (partition by ip order by ts desc, log_id desc) as rn,
          count(*) over (partition by ip) as total
        from (select distinct b.ip as ip, ${e.logId} as log_id, ${e.timestamp} as ts from ${e.from} where ${valuesIn(dialect, 'b.ip', chunk)}) k
      ) r where rn <= ${Math.max(1, perAttacker)}`.execute(db)
    for (const row of rows) {
      let entry = keys.get(row.ip)
      if (entry === undefined) keys.set(row.ip, (entry = {count: Number(row.total), keys: []}))
      if (Number(row.rn) <= perAttacker) entry.keys.push({logId: Number(row.log_id), timestamp: row.ts})
    }
  }

  const byIp = new Map<string, RecentCommands>()
  for (const [ip, {count, keys: chosen}] of keys) {
    chosen.sort(byTime)
    byIp.set(ip, {commands: await commandsOf(db, ip, chosen), count})
  }

  return byIp
}

/**
 * Every command of `ip` in time order (then log order), each log line once,
 * read {@link COMMANDS_PER_PAGE} at a time: memory holds the keys of the
 * attacker's commands (a log id and a time each) and one page of texts,
 * however long its commands are.
 *
 * @example
 * ```ts
 * for await (const command of streamCommands(db, '203.0.113.7')) console.log(command.command)
 * ```
 */
export async function* streamCommands(db: Kysely<Database>, ip: string, pageSize = COMMANDS_PER_PAGE): AsyncGenerator<AttackerCommand> {
  const keys = await commandKeys(db, ip)
  for (let at = 0; at < keys.length; at += pageSize) yield* await commandsOf(db, ip, keys.slice(at, at + pageSize))
}

/** The keys of all of `ip`'s commands, in time order. */
async function commandKeys(db: Kysely<Database>, ip: string): Promise<CommandKey[]> {
  const e = commandElements(dialectOf(db))
  const {rows} = await sql<{log_id: number | string; ts: string}>`
    select distinct ${e.logId} as log_id, ${e.timestamp} as ts from ${e.from} where b.ip = ${ip}`.execute(db)
  return rows.map((row) => ({logId: Number(row.log_id), timestamp: row.ts})).sort(byTime)
}

/** The commands of `ip` with the given keys, in the keys' order. */
async function commandsOf(db: Kysely<Database>, ip: string, keys: readonly CommandKey[]): Promise<AttackerCommand[]> {
  if (keys.length === 0) return []
  const dialect = dialectOf(db)
  const e = commandElements(dialect)
  const ids = keys.map((key) => key.logId)
  const min = Math.min(...ids)
  const max = Math.max(...ids)
  // the batches whose id range holds one of the keys; the database unpacks them and returns only those lines
  const {rows} = await sql<{log_id: number | string; timestamp: string; decky: string; service: string; command: string}>`
    select ${e.logId} as log_id, ${e.timestamp} as timestamp, ${e.decky} as decky, ${e.service} as service, ${e.command} as command
    from ${e.from}
    where b.ip = ${ip} and b.first_log_id <= ${max} and b.last_log_id >= ${min} and ${e.logId} in (${sql.join(ids)})`.execute(db)
  const byId = new Map<number, AttackerCommand>()
  for (const row of rows) byId.set(Number(row.log_id), {timestamp: row.timestamp, decky: row.decky, service: row.service, command: row.command})
  const commands: AttackerCommand[] = []
  for (const key of keys) {
    const command = byId.get(key.logId)
    if (command !== undefined) commands.push(command)
  }

  return commands
}

function byTime(a: CommandKey, b: CommandKey): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.logId - b.logId
}
