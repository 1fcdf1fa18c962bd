/**
 * Attackers' commands as `decnet attackers` shows them, from the profiler's
 * command batches, decoded in JavaScript: every command of each attacker,
 * with no bound. The commands decnet prints come through the bounded SQL
 * readers of read-recent-commands.ts; this plain one is what tests pin them
 * to (and what checks the profiler's batches).
 */
import type {Kysely} from 'kysely'

import type {Database} from '../db/schema.js'
import type {AttackerCommand} from './attacker-profile.js'

import {batchCommands} from '../db/bulk/command-batches.js'
import {dialectOf} from '../db/dialect-of.js'
import {valuesIn} from '../db/values-in.js'
import {chunks} from '../util/chunks.js'

/** IPs per statement. */
const IPS_PER_SELECT = 1000

/**
 * The commands of each of `ips` that has any, in time order (then log
 * order). A line in two batches (a replay after `attackers` alone was
 * cleared) is listed once.
 *
 * @example
 * ```ts
 * const commands = await readCommands(db, ['203.0.113.7'])
 * commands.get('203.0.113.7') // [{timestamp, decky, service, command}, ...]
 * ```
 */
export async function readCommands(db: Kysely<Database>, ips: readonly string[]): Promise<Map<string, AttackerCommand[]>> {
  const dialect = dialectOf(db)
  const byLine = new Map<string, Map<number, AttackerCommand>>()
  for (const chunk of chunks(ips, IPS_PER_SELECT)) {
    const batches = await db.selectFrom('attacker_command_batches').select(['ip', 'first_log_id', 'commands']).where(valuesIn(dialect, 'ip', chunk)).execute()
    for (const batch of batches) {
      let commands = byLine.get(batch.ip)
      if (commands === undefined) byLine.set(batch.ip, (commands = new Map<number, AttackerCommand>()))
      for (const {command, decky, log_id: logId, service, timestamp} of batchCommands(batch)) commands.set(logId, {timestamp, decky, service, command})
    }
  }

  const byIp = new Map<string, AttackerCommand[]>()
  for (const [ip, commands] of byLine) {
    const ordered = [...commands].sort(([a, x], [b, y]) => (x.timestamp < y.timestamp ? -1 : x.timestamp > y.timestamp ? 1 : a - b))
    byIp.set(ip, ordered.map(([, command]) => command))
  }

  return byIp
}
