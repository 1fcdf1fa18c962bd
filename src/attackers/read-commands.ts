/**
 * Attackers' commands as `decnet attackers` shows them: what the profiler's
 * command batches hold, with the time, decky and service of the log line
 * each command came from.
 */
import type {Kysely} from 'kysely'

import type {Database} from '../db/schema.js'
import type {AttackerCommand} from './attacker-profile.js'

import {batchCommands} from '../db/command-batches.js'
import {chunks} from '../lib/chunks.js'

/** Values per `in (...)` list: far below either database's parameter limit. */
const KEYS_PER_SELECT = 1000

/**
 * The commands of each of `ips` that has any, in time order (then log order).
 *
 * @example
 * ```ts
 * const commands = await readCommands(db, ['203.0.113.7'])
 * commands.get('203.0.113.7') // [{timestamp, decky, service, command}, ...]
 * ```
 */
export async function readCommands(db: Kysely<Database>, ips: readonly string[]): Promise<Map<string, AttackerCommand[]>> {
  const found = await readBatches(db, ips)
  const lines = await readLines(db, [...found.values()].flatMap((commands) => [...commands.keys()]))
  const byIp = new Map<string, AttackerCommand[]>()
  for (const [ip, commands] of found) {
    const listed = [...commands].map(([logId, command]) => {
      // a line is never deleted; were it missing, its command still shows, without time or place
      const line = lines.get(logId) ?? {decky: '', service: '', timestamp: ''}
      return {command, decky: line.decky, logId, service: line.service, timestamp: line.timestamp}
    })
    listed.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.logId - b.logId))
    byIp.set(ip, listed.map(({command, decky, service, timestamp}) => ({timestamp, decky, service, command})))
  }

  return byIp
}

/** Per attacker, its commands by log id (a line in two batches, after a partial replay, is listed once). */
async function readBatches(db: Kysely<Database>, ips: readonly string[]): Promise<Map<string, Map<number, string>>> {
  const found = new Map<string, Map<number, string>>()
  for (const chunk of chunks(ips, KEYS_PER_SELECT)) {
    const batches = await db.selectFrom('attacker_command_batches').select(['ip', 'first_log_id', 'commands']).where('ip', 'in', chunk).execute()
    for (const batch of batches) {
      let commands = found.get(batch.ip)
      if (commands === undefined) found.set(batch.ip, (commands = new Map()))
      for (const {command, log_id: logId} of batchCommands(batch)) commands.set(logId, command)
    }
  }

  return found
}

/** The time, decky and service of the log lines `ids`. */
async function readLines(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, {decky: string; service: string; timestamp: string}>> {
  const lines = new Map<number, {decky: string; service: string; timestamp: string}>()
  for (const chunk of chunks(ids, KEYS_PER_SELECT)) {
    const rows = await db.selectFrom('logs').select(['id', 'timestamp', 'decky', 'service']).where('id', 'in', chunk).execute()
    for (const row of rows) lines.set(Number(row.id), row)
  }

  return lines
}
