/**
 * Rows of `attacker_command_batches`: the commands one profiler tick found
 * for one attacker, as one JSON text `[[logId, command], ...]`.
 */
import type {AttackerCommandBatchesTable} from './schema.js'

/** A command and the id of the log line it came from. */
export interface LoggedCommand {
  log_id: number
  command: string
}

/**
 * The batch row of `ip`'s `commands`, which must be in log order.
 *
 * @throws Error when `commands` is empty (a batch has a first command).
 *
 * @example
 * ```ts
 * commandBatch('203.0.113.7', [{log_id: 12, command: 'uname -a'}])
 * // {ip: '203.0.113.7', first_log_id: 12, last_log_id: 12, commands: '[[12,"uname -a"]]'}
 * ```
 */
export function commandBatch(ip: string, commands: readonly LoggedCommand[]): AttackerCommandBatchesTable {
  if (commands.length === 0) throw new Error(`no commands to batch for attacker ${ip}`)
  let json = '['
  for (let i = 0; i < commands.length; i++) {
    const {command, log_id: logId} = commands[i]!
    json += `${i === 0 ? '' : ','}[${logId},${JSON.stringify(command)}]`
  }

  return {commands: `${json}]`, first_log_id: commands[0]!.log_id, ip, last_log_id: commands.at(-1)!.log_id}
}

/**
 * The commands of a stored batch (its `commands` text).
 *
 * @throws Error naming the batch when the text is not `[[logId, command], ...]`.
 */
export function batchCommands(batch: Pick<AttackerCommandBatchesTable, 'commands' | 'first_log_id' | 'ip'>): LoggedCommand[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(batch.commands)
  } catch {
    parsed = undefined
  }

  if (!Array.isArray(parsed) || !parsed.every(isEntry)) {
    throw new Error(`attacker_command_batches row (${batch.ip}, ${batch.first_log_id}): expected [[logId, command], ...], got ${batch.commands.slice(0, 80)}`)
  }

  return parsed.map(([logId, command]) => ({command, log_id: logId}))
}

function isEntry(entry: unknown): entry is [number, string] {
  return Array.isArray(entry) && entry.length === 2 && Number.isSafeInteger(entry[0]) && typeof entry[1] === 'string'
}
