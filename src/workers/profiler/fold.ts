/**
 * The pure heart of the profiler: fold a batch of new log lines into an
 * attacker's profile. No I/O; the tick does the reading and writing.
 */
import type {Insertable} from 'kysely'

import type {AttackerCommandsTable, AttackerRow, LogRow} from '../../db/schema.js'

import type {ContactTuple} from './first-contacts.js'

import {ContactList, parseFirstContacts, restoreContactList} from './first-contacts.js'

/** The columns of a log line the profiler reads. */
export type ProfileLog = Pick<LogRow, 'decky' | 'event_type' | 'fields' | 'id' | 'msg' | 'service' | 'timestamp'>

/** An attacker row as the profiler writes it. */
export type AttackerProfile = AttackerRow

/** A row for `attacker_commands`. */
export type NewAttackerCommand = Insertable<AttackerCommandsTable>

/** What a line means to the profiler. */
export interface LineMeaning {
  /** The command the line shows the attacker running, or null. */
  command: null | string
  /** Whether the line is an authentication attempt (successful or not). */
  isAuth: boolean
}

/**
 * What lines mean. The profiler passes a `ProfilerSemantics` (src/logs'
 * extractCommand and classifyAuth, shared with the TTP worker); tests may
 * pass their own so the folding logic is tested on its own.
 */
export interface LogSemantics {
  describe(row: Pick<LogRow, 'event_type' | 'fields' | 'msg'>): LineMeaning
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
 * const {attacker, commands} = foldAttacker(undefined, '203.0.113.7', rows, new ProfilerSemantics())
 * ```
 */
export function foldAttacker(
  current: AttackerProfile | undefined,
  ip: string,
  rows: readonly ProfileLog[],
  semantics: LogSemantics,
): FoldResult {
  const contacts = new AttackerContacts(current)
  let firstSeen = current?.first_seen
  let lastSeen = current?.last_seen
  let lastLogId = current?.last_log_id ?? 0
  let authAttempts = current?.auth_attempts ?? 0
  const commands: NewAttackerCommand[] = []

  for (const row of rows) {
    if (firstSeen === undefined || row.timestamp < firstSeen) firstSeen = row.timestamp
    if (lastSeen === undefined || row.timestamp > lastSeen) lastSeen = row.timestamp
    if (row.id > lastLogId) lastLogId = row.id
    contacts.see(row)
    const {command, isAuth} = semantics.describe(row)
    if (isAuth) authAttempts++
    if (command !== null) {
      commands.push({command, decky: row.decky, ip, log_id: row.id, service: row.service, timestamp: row.timestamp})
    }
  }

  if (firstSeen === undefined || lastSeen === undefined) {
    throw new Error(`nothing to fold for attacker ${ip}: no current row and no new lines`)
  }

  // A plain literal in column order: spreading the contact columns in here made
  // V8 build the object the slow way, and this runs once per touched attacker.
  const columns = contacts.columns()
  return {
    attacker: {
      ip,
      first_seen: firstSeen,
      last_seen: lastSeen,
      event_count: (current?.event_count ?? 0) + rows.length,
      services: columns.services,
      deckies: columns.deckies,
      is_traversal: columns.is_traversal,
      traversal_path: columns.traversal_path,
      auth_attempts: authAttempts,
      first_contacts: columns.first_contacts,
      last_log_id: lastLogId,
    },
    commands,
  }
}

type ContactColumns = Pick<AttackerProfile, 'deckies' | 'first_contacts' | 'is_traversal' | 'services' | 'traversal_path'>

/**
 * An attacker's deckies and services with their first contacts, parsed only
 * when a line could change them. A line that arrives in time order (not
 * before the row's last_seen) for a decky and a service the attacker already
 * touched cannot: its key comes after every stored first contact. That is
 * nearly every line, so most folds never parse or rewrite these columns.
 */
class AttackerContacts {
  readonly #current: AttackerProfile | undefined
  #known: {deckies: Set<string>; services: Set<string>} | undefined
  #lists: {deckies: ContactList; services: ContactList} | undefined

  constructor(current: AttackerProfile | undefined) {
    this.#current = current
  }

  see(row: ProfileLog): void {
    if (this.#lists === undefined) {
      if (this.#current !== undefined && row.timestamp >= this.#current.last_seen && this.#knows(row)) return
      this.#lists = restoreLists(this.#current)
    }

    this.#lists.deckies.see(row.decky, row.timestamp, row.id)
    this.#lists.services.see(row.service, row.timestamp, row.id)
  }

  columns(): ContactColumns {
    const lists = this.#lists
    if (this.#current !== undefined && (lists === undefined || (!lists.deckies.changed && !lists.services.changed))) {
      const {deckies, first_contacts, is_traversal, services, traversal_path} = this.#current
      return {deckies, first_contacts, is_traversal, services, traversal_path}
    }

    const {deckies, services} = lists ?? restoreLists(undefined)
    const names = deckies.names()
    const isTraversal = names.length >= 2
    return {
      deckies: JSON.stringify(names),
      first_contacts: JSON.stringify({deckies: deckies.keys(), services: services.keys()}),
      is_traversal: isTraversal ? 1 : 0,
      services: JSON.stringify(services.names()),
      traversal_path: isTraversal ? names.join(' -> ') : null,
    }
  }

  #knows(row: ProfileLog): boolean {
    const current = this.#current!
    return (
      listed(current.deckies, row.decky, () => (this.#known ??= parseKnown(current)).deckies) &&
      listed(current.services, row.service, () => (this.#known ??= parseKnown(current)).services)
    )
  }
}

/** A name that cannot straddle two elements of a JSON string array. */
const PLAIN_NAME = /^[\w.:@-]+$/

/** Whether `name` is in `json` (a JSON array of strings), or is no name at all. */
function listed(json: string, name: string, parsed: () => Set<string>): boolean {
  if (name === '' || name === '-') return true
  // Without backslashes every quote in the text delimits an element, and a
  // plain name cannot begin with `,` or `]`: finding `"name"` means finding it
  // as a whole element. Cheaper than parsing, and this runs for nearly every line.
  if (PLAIN_NAME.test(name) && !json.includes('\\')) return json.includes(`"${name}"`)
  return parsed().has(name)
}

function parseKnown(current: AttackerProfile): {deckies: Set<string>; services: Set<string>} {
  return {deckies: new Set(JSON.parse(current.deckies) as string[]), services: new Set(JSON.parse(current.services) as string[])}
}

/** The contact lists of a stored row (empty for a new attacker). */
function restoreLists(current: AttackerProfile | undefined): {deckies: ContactList; services: ContactList} {
  if (current === undefined) return {deckies: new ContactList(), services: new ContactList()}
  const stored = parseFirstContacts(current.first_contacts)
  const deckies = restoreContactList(current.deckies, stored?.deckies)
  const services = restoreContactList(current.services, stored?.services)
  if (deckies !== undefined && services !== undefined) return {deckies, services}
  // A row without (fitting) first-contact keys: keep its order, before anything new.
  const fromNames = (json: string) => {
    const names = JSON.parse(json) as string[]
    return new ContactList(names.map((name, i): ContactTuple => [name, current.first_seen, i - names.length]))
  }

  return {deckies: fromNames(current.deckies), services: fromNames(current.services)}
}
