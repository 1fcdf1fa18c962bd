/**
 * Rows of `attacker_command_batches`: the commands one profiler tick found
 * for one attacker, as one JSON text
 * `[[logId, timestamp, decky, service, command], ...]`.
 */
import type {AttackerCommandBatchesTable} from '../schema.js'

/** A command, with the id, time, decky and service of the log line it came from. */
export interface LoggedCommand {
  log_id: number
  timestamp: string
  decky: string
  service: string
  command: string
}

/**
 * The batch row of `ip`'s `commands`, which must be in log order.
 *
 * @throws Error when `commands` is empty (a batch has a first command).
 *
 * @example
 * ```ts
 * commandBatch('203.0.113.7', [{log_id: 12, timestamp: '2026-11-26T10:00:00Z', decky: 'decky-01', service: 'ssh', command: 'id'}])
 * // {ip: '203.0.113.7', first_log_id: 12, last_log_id: 12, commands: '[[12,"2026-11-26T10:00:00Z","decky-01","ssh","id"]]'}
 * ```
 */
export function commandBatch(ip: string, commands: readonly LoggedCommand[]): AttackerCommandBatchesTable {
  if (commands.length === 0) throw new Error(`no commands to batch for attacker ${ip}`)
  // One flat string: built with `+=`, a batch was a rope of small strings, all of them alive
  // (and copied by every scavenge) until the tick's write flattened it.
  const entries = commands.map(({command, decky, log_id: logId, service, timestamp}) => [logId, timestamp, decky, service, command])
  return {commands: JSON.stringify(entries), first_log_id: commands[0].log_id, ip, last_log_id: commands.at(-1)!.log_id}
}

/**
 * The commands of a stored batch (its `commands` text).
 *
 * @throws Error naming the batch when the text is not `[[logId, timestamp, decky, service, command], ...]`.
 */
export function batchCommands(batch: Pick<AttackerCommandBatchesTable, 'commands' | 'first_log_id' | 'ip'>): LoggedCommand[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(batch.commands)
  } catch {
    parsed = undefined
  }

  if (!Array.isArray(parsed) || !parsed.every(isEntry)) {
    const shown = batch.commands.slice(0, 80)
    throw new Error(`attacker_command_batches row (${batch.ip}, ${batch.first_log_id}): expected [[logId, timestamp, decky, service, command], ...], got ${shown}`)
  }

  return parsed.map(([logId, timestamp, decky, service, command]) => ({command, decky, log_id: logId, service, timestamp}))
}

function isEntry(entry: unknown): entry is [number, string, string, string, string] {
  return (
    Array.isArray(entry) &&
    entry.length === 5 &&
    Number.isSafeInteger(entry[0]) &&
    entry.slice(1).every((value) => typeof value === 'string')
  )
}
