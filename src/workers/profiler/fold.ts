/**
 * The pure heart of the profiler: fold a batch of new log lines into an
 * attacker's profile. No I/O; the tick does the reading and writing.
 */
import type {Insertable} from 'kysely'

import type {AttackerCommandsTable, AttackerRow, LogRow} from '../../db/schema.js'
import type {AuthOutcome} from '../../logs/auth.js'

import {FirstContacts, parseFirstContacts} from './first-contacts.js'

/** The columns of a log line the profiler reads. */
export type ProfileLog = Pick<LogRow, 'decky' | 'event_type' | 'fields' | 'id' | 'msg' | 'service' | 'timestamp'>

/** An attacker row as the profiler writes it. */
export type AttackerProfile = AttackerRow

/** A row for `attacker_commands`. */
export type NewAttackerCommand = Insertable<AttackerCommandsTable>

/**
 * What a line means, as far as the profiler cares. The worker passes
 * {@link defaultSemantics} (src/logs, shared with the TTP worker); tests may
 * pass their own so the folding logic is tested on its own.
 */
export interface LogSemantics {
  extractCommand(row: Pick<LogRow, 'event_type' | 'fields' | 'msg'>): null | string
  classifyAuth(row: Pick<LogRow, 'event_type' | 'fields' | 'msg'>): AuthOutcome | null
}

/** The outcome of one fold. */
export interface FoldResult {
  /** The whole updated row, ready to upsert. */
  attacker: AttackerProfile
  /** The command rows the new lines produced, in log order. */
  commands: NewAttackerCommand[]
}

/**
 * Folds `rows` (new log lines of attacker `ip`, in id order, all with ids
 * above `current.last_log_id`) into `current` (or into nothing, for a new
 * attacker). Folding is associative: folding A then B gives the row that
 * folding A and B at once gives, so batch boundaries never show.
 *
 * @example
 * ```ts
 * const {attacker, commands} = foldAttacker(undefined, '203.0.113.7', rows, defaultSemantics)
 * ```
 */
export function foldAttacker(
  current: AttackerProfile | undefined,
  ip: string,
  rows: readonly ProfileLog[],
  semantics: LogSemantics,
): FoldResult {
  const contacts = restoreContacts(current)
  let firstSeen = current?.first_seen
  let lastSeen = current?.last_seen
  let lastLogId = current?.last_log_id ?? 0
  let authAttempts = current?.auth_attempts ?? 0
  const commands: NewAttackerCommand[] = []

  for (const row of rows) {
    if (firstSeen === undefined || row.timestamp < firstSeen) firstSeen = row.timestamp
    if (lastSeen === undefined || row.timestamp > lastSeen) lastSeen = row.timestamp
    if (row.id > lastLogId) lastLogId = row.id
    contacts.deckies.see(row.decky, row.timestamp, row.id)
    contacts.services.see(row.service, row.timestamp, row.id)
    if (semantics.classifyAuth(row) !== null) authAttempts++
    const command = semantics.extractCommand(row)
    if (command !== null) {
      commands.push({command, decky: row.decky, ip, log_id: row.id, service: row.service, timestamp: row.timestamp})
    }
  }

  if (firstSeen === undefined || lastSeen === undefined) {
    throw new Error(`nothing to fold for attacker ${ip}: no current row and no new lines`)
  }

  const deckies = contacts.deckies.names()
  const isTraversal = deckies.length >= 2
  return {
    attacker: {
      auth_attempts: authAttempts,
      deckies: JSON.stringify(deckies),
      event_count: (current?.event_count ?? 0) + rows.length,
      first_contacts: JSON.stringify({deckies: contacts.deckies.toTuples(), services: contacts.services.toTuples()}),
      first_seen: firstSeen,
      ip,
      is_traversal: isTraversal ? 1 : 0,
      last_log_id: lastLogId,
      last_seen: lastSeen,
      services: JSON.stringify(contacts.services.names()),
      traversal_path: isTraversal ? deckies.join(' -> ') : null,
    },
    commands,
  }
}

/** The first-contact sets of a stored row (empty for a new attacker). */
function restoreContacts(current: AttackerProfile | undefined): {deckies: FirstContacts; services: FirstContacts} {
  if (current === undefined) return {deckies: new FirstContacts(), services: new FirstContacts()}
  const stored = parseFirstContacts(current.first_contacts)
  if (stored !== undefined) {
    return {deckies: FirstContacts.from(stored.deckies), services: FirstContacts.from(stored.services)}
  }

  // A row without first-contact keys: keep its order, before anything new.
  return {deckies: fromNames(current.deckies, current), services: fromNames(current.services, current)}
}

function fromNames(json: string, current: AttackerProfile): FirstContacts {
  const names = JSON.parse(json) as string[]
  return FirstContacts.from(names.map((name, index) => [name, current.first_seen, index - names.length] as const))
}
