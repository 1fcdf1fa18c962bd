/**
 * The pure heart of the profiler: fold a batch of new log lines into an
 * attacker's profile. No I/O; the tick does the reading and writing.
 */
import type {LoggedCommand} from '../../db/bulk/command-batches.js'
import type {AttackerRow, LogRow} from '../../db/schema.js'

import type {Artifact} from '../../logs/artifact.js'
import type {Credential} from '../../logs/credential.js'
import type {Fingerprint} from '../../logs/fingerprints/extract-fingerprints.js'
import type {SmtpTargets} from '../../logs/mail.js'
import type {SeenFingerprint} from './fingerprints/fingerprint-rows.js'
import type {ContactColumns, ContactTuple} from './first-contacts.js'
import type {BehaviorSignal} from './behavior/behavior-signal.js'
import type {SeenCredential} from './credential-rows.js'
import type {SeenSmtpTargets} from './smtp-target-rows.js'

import {reachedService} from '../../logs/activity.js'
import {normaliseEventType} from '../../logs/fields.js'
import {appendedColumns, ContactAppends} from './contact-appends.js'
import {ContactList, isName, parseFirstContacts, restoreContactList} from './first-contacts.js'

/** The columns of a log line the profiler reads. */
export type ProfileLog = Pick<LogRow, 'decky' | 'event_type' | 'fields' | 'id' | 'msg' | 'service' | 'timestamp'> & {
  /** What the line means, when worked out as it was read (see `LineDescriber`); the fold asks its semantics otherwise. */
  meaning?: LineMeaning
}

/** An attacker row as the profiler writes it. */
export type AttackerProfile = AttackerRow

/**
 * A stored attacker as a tick loads it: without the columns derived from the
 * first contacts, and with `first_contacts` itself only when
 * {@link needsFirstContacts} says the fold will read it. (A tick touches
 * hundreds of attackers; most of them only need their counters moved.)
 */
export type StoredAttacker = Omit<AttackerRow, 'first_contacts' | 'is_traversal' | 'traversal_path'> &
  Partial<Pick<AttackerRow, 'first_contacts' | 'is_traversal' | 'traversal_path'>>

/** What a line means to the profiler. */
export interface LineMeaning {
  /** The command the line shows the attacker running, or null. */
  command: null | string
  /** Whether the line is an authentication attempt (successful or not). */
  isAuth: boolean
  /** The credential the line carries (see `extractCredential`), when it carries one. */
  credential?: Credential
  /** What the line says of its service (see `activityOf`): absent for noise. */
  activity?: 'interaction' | 'scan'
  /** The artifact (captured file, recorded session) the line names (see `extractArtifact`), when it names one. */
  artifact?: Artifact
  /** The fingerprints the line carries (see `extractFingerprints`), when it carries any. */
  fingerprints?: readonly Fingerprint[]
  /** The mail domains the line says the attacker tried to reach (see `smtpTargetsOf`), when it names any. */
  smtpTargets?: SmtpTargets
  /** The attacker a prober line is about (see `probedAttacker`), when it names one. */
  probed?: string
  /** What the line tells of the attacker's behaviour beyond its time and service (see `BehaviorReader`), when anything. */
  behavior?: BehaviorSignal
}

/**
 * What lines mean. The profiler passes a `ProfilerSemantics` (src/logs'
 * extractCommand and classifyAuth, shared with the TTP worker); tests may
 * pass their own so the folding logic is tested on its own.
 */
export interface LogSemantics {
  /** What `row` means; its `service`, when given, decides whether the line counts towards service activity. */
  describe(row: Pick<LogRow, 'event_type' | 'fields' | 'msg'> & Partial<Pick<LogRow, 'service'>>): LineMeaning
}

/** Hints for {@link foldAttacker}. */
export interface FoldOptions {
  /** What {@link needsFirstContacts} returned for the same attacker and lines, when the caller asked it. */
  needsFirstContacts?: boolean
  /**
   * The current row's contact columns are as a fold wrote them: a fold
   * returned it with `ownContacts` true (see {@link FoldResult}). They are
   * then not checked again before names are appended to them (see
   * `appendedColumns`). Never true for a row read from the database, even one
   * a profiler wrote: anything may have changed it since.
   */
  ownContacts?: boolean
}

/**
 * The outcome of one fold. When the contacts changed (always, for a new
 * attacker), `attacker` is the whole updated row; otherwise only its counters
 * and times moved and the stored contact columns stand.
 */
export type FoldResult = {
  /** The commands the new lines show, in log order. */
  commands: LoggedCommand[]
  /** The credentials the new lines carry, in log order. */
  credentials: SeenCredential[]
  /** The fingerprints the new lines carry, in log order. */
  fingerprints: SeenFingerprint[]
  /** The SMTP targets the new lines name, in log order. */
  smtpTargets: SeenSmtpTargets[]
  /** The first of the new lines that showed each service's interaction and scan (services whose lines were all noise are left out). */
  services: Map<string, ServiceLines>
  /** The artifacts the new lines name, in log order, with each line's id, time, decky and service. */
  artifacts: Array<{log_id: number; timestamp: string; decky: string; service: string; artifact: Artifact}>
  /**
   * The attacker's contact columns are as a fold wrote them: it wrote them
   * now, or kept those of a current row passed with `ownContacts`. A caller
   * that keeps the row for a later fold (see `AttackerCache`) passes this
   * back as {@link FoldOptions.ownContacts}.
   */
  ownContacts: boolean
} & ({attacker: AttackerProfile; contactsChanged: true} | {attacker: StoredAttacker; contactsChanged: false})

/** The log ids of the first of an attacker's new lines of one service that showed an interaction, and a scan. */
export interface ServiceLines {
  interaction?: number
  scan?: number
}

/**
 * Folds `rows` (new log lines of attacker `ip`, in id order, all with ids
 * above `current.last_log_id`) into `current` (or into nothing, for a new
 * attacker). Folding is associative: folding A then B gives the row that
 * folding A and B at once gives, so batch boundaries never show.
 *
 * Pass `{needsFirstContacts: false}` only when {@link needsFirstContacts}
 * said so for these `current` and `rows`: the fold then skips the checks it
 * would repeat line by line (a cold build runs this for every stored line).
 *
 * @throws Error when the fold needs `current.first_contacts` (see
 * {@link needsFirstContacts}) and it was not loaded.
 *
 * @example
 * ```ts
 * const {attacker, commands} = foldAttacker(undefined, '203.0.113.7', rows, new ProfilerSemantics())
 * ```
 */
export function foldAttacker(
  current: StoredAttacker | undefined,
  ip: string,
  rows: readonly ProfileLog[],
  semantics: LogSemantics,
  options: FoldOptions = {},
): FoldResult {
  // Known not to change: skip the per-line contact checks (the caller already made them).
  const skipContacts = current !== undefined && options.needsFirstContacts === false
  const own = current !== undefined && options.ownContacts === true
  const contacts = skipContacts ? undefined : new AttackerContacts(current, own)
  let firstSeen = current?.first_seen
  let lastSeen = current?.last_seen
  let lastLogId = current?.last_log_id ?? 0
  let authAttempts = current?.auth_attempts ?? 0
  const commands: LoggedCommand[] = []
  const credentials: SeenCredential[] = []
  const services = new Map<string, ServiceLines>()
  const artifacts: FoldResult['artifacts'] = []
  const fingerprints: SeenFingerprint[] = []
  const smtpTargets: SeenSmtpTargets[] = []

  for (const row of rows) {
    if (firstSeen === undefined || row.timestamp < firstSeen) firstSeen = row.timestamp
    if (lastSeen === undefined || row.timestamp > lastSeen) lastSeen = row.timestamp
    if (row.id > lastLogId) lastLogId = row.id
    const meaning = row.meaning ?? semantics.describe(row)
    const {activity, artifact, command, credential, isAuth} = meaning
    contacts?.see(row, contactService(row.service, artifact))
    for (const fingerprint of meaning.fingerprints ?? []) fingerprints.push({fingerprint, log_id: row.id, timestamp: row.timestamp})
    if (meaning.smtpTargets !== undefined) smtpTargets.push({log_id: row.id, targets: meaning.smtpTargets, timestamp: row.timestamp})
    if (artifact !== undefined) artifacts.push({artifact, decky: row.decky, log_id: row.id, service: row.service, timestamp: row.timestamp})
    if (activity !== undefined) {
      // a recorded session counts for its own service (`ssh`, `telnet`), not for DECNET's recorder (`sessrec`)
      const service = artifact?.kind === 'session' && artifact.service !== null ? artifact.service : row.service
      const lines = services.get(service)
      if (lines === undefined) services.set(service, {[activity]: row.id})
      else lines[activity] ??= row.id
    }

    if (isAuth) authAttempts++
    if (credential !== undefined) credentials.push({credential, decky: row.decky, log_id: row.id, service: row.service, timestamp: row.timestamp})
    if (command !== null) {
      commands.push({command, decky: row.decky, log_id: row.id, service: row.service, timestamp: row.timestamp})
    }
  }

  if (firstSeen === undefined || lastSeen === undefined) {
    throw new Error(`nothing to fold for attacker ${ip}: no current row and no new lines`)
  }

  const counters = {
    authAttempts,
    eventCount: (current?.event_count ?? 0) + rows.length,
    firstSeen,
    lastLogId,
    lastSeen,
  }
  const columns = contacts?.changedColumns()
  if (columns === undefined) {
    // current is defined: a new attacker's contacts always change
    return {artifacts, attacker: withCounters(current!, ip, counters), commands, contactsChanged: false, credentials, fingerprints, ownContacts: own, services, smtpTargets}
  }

  return {artifacts, attacker: withCounters(columns, ip, counters), commands, contactsChanged: true, credentials, fingerprints, ownContacts: true, services, smtpTargets}
}

/**
 * Whether folding `rows` into `current` reads its stored `first_contacts`:
 * when a line arrives out of time order (before `current.last_seen`) or
 * names a decky or service the attacker had not touched. A line in time order
 * for known names cannot change any first contact: its key comes after every
 * stored one. That is nearly every line. A recorded session's line not yet
 * described counts as one that does: its service is the session's (see
 * {@link contactService}), known only from its fields.
 */
export function needsFirstContacts(current: StoredAttacker | undefined, rows: readonly ProfileLog[]): boolean {
  if (current === undefined) return false
  const known = new KnownNames(current)
  return rows.some((row) => {
    const meaning = row.meaning
    if (meaning === undefined && isSessionEventType(row.event_type)) return true
    return !known.covers(row, contactService(row.service, meaning?.artifact))
  })
}

/**
 * The service a line counts for in the attacker's `services` (see
 * `reachedService`): `''`, no name, for DECNET's infrastructure producers; a
 * recorded session's own service for its recorder's line.
 */
function contactService(service: string, artifact: Artifact | undefined): string {
  return reachedService(service, artifact?.kind === 'session' ? artifact.service : undefined)
}

/** Whether lines of `eventType` are recorded sessions (see `extractArtifact`). */
function isSessionEventType(eventType: string): boolean {
  return normaliseEventType(eventType) === 'session_recorded'
}

interface Counters {
  authAttempts: number
  eventCount: number
  firstSeen: string
  lastLogId: number
  lastSeen: string
}

// A plain literal in column order: spreading the columns in instead made V8
// build the object the slow way, and this runs once per touched attacker.
function withCounters(columns: ContactColumns, ip: string, c: Counters): AttackerProfile
function withCounters(columns: StoredAttacker, ip: string, c: Counters): StoredAttacker
function withCounters(columns: Partial<ContactColumns> & Pick<AttackerRow, 'deckies' | 'services'>, ip: string, c: Counters): StoredAttacker {
  return {
    ip,
    first_seen: c.firstSeen,
    last_seen: c.lastSeen,
    event_count: c.eventCount,
    services: columns.services,
    deckies: columns.deckies,
    is_traversal: columns.is_traversal,
    traversal_path: columns.traversal_path,
    auth_attempts: c.authAttempts,
    first_contacts: columns.first_contacts,
    last_log_id: c.lastLogId,
  }
}

/**
 * An attacker's deckies and services with their first contacts, parsed only
 * when a line could change them. A line that arrives in time order (not
 * before the row's last_seen) for a decky and a service the attacker already
 * touched cannot: its key comes after every stored first contact. That is
 * nearly every line, so most folds never parse or rewrite these columns.
 * Of the others, most only add names in time order: those are kept apart
 * (see `ContactAppends`) and appended to the stored columns. Anything else
 * restores the whole lists.
 */
class AttackerContacts {
  readonly #current: StoredAttacker | undefined
  /** The current row's contact columns are as a fold wrote them (see `FoldOptions.ownContacts`). */
  readonly #own: boolean
  #known: KnownNames | undefined
  #lists: {deckies: ContactList; services: ContactList} | undefined
  /** Names appended to the stored lists so far, and the lines that appended them (replayed if the lists are restored). */
  #appends: {deckies: ContactAppends; lines: ContactLine[]; services: ContactAppends} | undefined

  constructor(current: StoredAttacker | undefined, own: boolean) {
    this.#current = current
    this.#own = own
  }

  /** Records `row`, whose service counts as `service` (see {@link contactService}). */
  see(row: ProfileLog, service: string): void {
    if (this.#lists === undefined) {
      const current = this.#current
      if (current !== undefined) {
        const known = (this.#known ??= new KnownNames(current))
        if (known.covers(row, service) || this.#append(current, known, row, service)) return
      }

      this.#restore()
    }

    this.#lists!.deckies.see(row.decky, row.timestamp, row.id)
    this.#lists!.services.see(service, row.timestamp, row.id)
  }

  /** The contact columns, or undefined when they are as stored. */
  changedColumns(): ContactColumns | undefined {
    const current = this.#current
    if (this.#lists === undefined && current !== undefined) {
      const appends = this.#appends
      if (appends === undefined) return undefined
      const appended = appendedColumns(current, appends.deckies.tuples, appends.services.tuples, this.#own)
      if (appended !== undefined) return appended
      this.#restore()
    }

    const lists = this.#lists
    if (current !== undefined && lists !== undefined && !lists.deckies.changed && !lists.services.changed) return undefined
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

  /**
   * Keeps a line that only adds names after every first contact (true), or
   * says it needs the whole lists (false). Only lines not before the row's
   * last_seen qualify: no stored first contact can then move.
   */
  #append(current: StoredAttacker, known: KnownNames, row: ProfileLog, service: string): boolean {
    if (row.timestamp < current.last_seen) return false
    loadedFirstContacts(current)
    const appends = (this.#appends ??= {deckies: new ContactAppends(), lines: [], services: new ContactAppends()})
    const inOrder =
      (known.hasDecky(row.decky) || appends.deckies.see(row.decky, row.timestamp, row.id)) &&
      (known.hasService(service) || appends.services.see(service, row.timestamp, row.id))
    if (inOrder) appends.lines.push({decky: row.decky, id: row.id, service, timestamp: row.timestamp})
    return inOrder
  }

  /** Restores the whole lists from the stored row, with the lines appended so far seen again. */
  #restore(): void {
    const lists = (this.#lists = restoreLists(this.#current))
    for (const line of this.#appends?.lines ?? []) {
      lists.deckies.see(line.decky, line.timestamp, line.id)
      lists.services.see(line.service, line.timestamp, line.id)
    }

    this.#appends = undefined
  }
}

/** What a line appended to the contact lists: its decky, the service it counts for (see {@link contactService}), its key. */
interface ContactLine {
  decky: string
  id: number
  service: string
  timestamp: string
}

/** The deckies and services a stored attacker already touched, and until when. */
class KnownNames {
  readonly #current: StoredAttacker
  #parsed: {deckies: Set<string>; services: Set<string>} | undefined
  /** The last decky and service found listed. */
  #decky: string | undefined
  #service: string | undefined

  constructor(current: StoredAttacker) {
    this.#current = current
  }

  /** Whether the stored row lists decky `name` (a NILVALUE or empty name counts as listed: it is no name). */
  hasDecky(name: string): boolean {
    return listed(this.#current.deckies, name, () => this.#sets().deckies)
  }

  /** Whether the stored row lists service `name` (as {@link hasDecky}). */
  hasService(name: string): boolean {
    return listed(this.#current.services, name, () => this.#sets().services)
  }

  /** True when `row`, counting for `service` (see {@link contactService}), cannot change any first contact (see {@link needsFirstContacts}). */
  covers(row: ProfileLog, service: string): boolean {
    const current = this.#current
    if (row.timestamp < current.last_seen) return false
    // an attacker's lines mostly repeat the decky and service of the line before
    if (row.decky !== this.#decky) {
      if (!listed(current.deckies, row.decky, () => this.#sets().deckies)) return false
      this.#decky = row.decky
    }

    if (service !== this.#service) {
      if (!listed(current.services, service, () => this.#sets().services)) return false
      this.#service = service
    }

    return true
  }

  #sets(): {deckies: Set<string>; services: Set<string>} {
    this.#parsed ??= {
      deckies: new Set(JSON.parse(this.#current.deckies) as string[]),
      services: new Set(JSON.parse(this.#current.services) as string[]),
    }
    return this.#parsed
  }
}

/** A name that cannot straddle two elements of a JSON string array. */
const PLAIN_NAME = /^[\w.:@-]+$/

/** Whether `name` is in `json` (a JSON array of strings), or is no name at all. */
function listed(json: string, name: string, parsed: () => Set<string>): boolean {
  if (!isName(name)) return true
  // Without backslashes every quote in the text delimits an element, and a
  // plain name cannot begin with `,` or `]`: finding `"name"` means finding it
  // as a whole element. Cheaper than parsing, and this runs for nearly every line.
  if (PLAIN_NAME.test(name) && !json.includes('\\')) return json.includes(`"${name}"`)
  return parsed().has(name)
}

/** A stored row's `first_contacts`, which a fold that reads it needs loaded (see {@link needsFirstContacts}). */
function loadedFirstContacts(current: StoredAttacker): string {
  if (current.first_contacts === undefined) throw new Error(`first_contacts of attacker ${current.ip} is needed but was not loaded`)
  return current.first_contacts
}

/** The contact lists of a stored row (empty for a new attacker). */
function restoreLists(current: StoredAttacker | undefined): {deckies: ContactList; services: ContactList} {
  if (current === undefined) return {deckies: new ContactList(), services: new ContactList()}
  const stored = parseFirstContacts(loadedFirstContacts(current))
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
