/**
 * What a profiler tick writes, planned from the lines it read and the stored
 * attackers they touch. Pure: the `Profiler` reads (lines, then attackers),
 * plans here, then writes the plan in the same transaction.
 */
import type {AttackerArtifactsTable, AttackerCommandBatchesTable, AttackerFingerprintsTable, AttackerServicesTable, AttackerSmtpTargetsTable, CredentialsTable} from '../../db/schema.js'
import type {TrustedProxies} from './fingerprints/trusted-proxies.js'
import type {CachedAttacker} from './attacker-cache.js'
import type {AttackerProfile, LogSemantics, ProfileLog, StoredAttacker} from './fold.js'
import type {TickLine} from './read/read-lines.js'

import {commandBatch} from '../../db/bulk/command-batches.js'
import {addCredentials} from './credential-rows.js'
import {addFingerprints} from './fingerprints/fingerprint-rows.js'
import {foldAttacker, needsFirstContacts} from './fold.js'
import {addSmtpTargets} from './smtp-target-rows.js'

/** An attacker a tick's lines touch, and what its fold needs. */
export interface TickWork {
  ip: string
  /** The stored row, as far as the fold reads it (see `StoredAttacker`); undefined for a new attacker. */
  row: StoredAttacker | undefined
  /** The row's contact columns are as a fold wrote them (see `FoldOptions.ownContacts`). */
  ownContacts: boolean
  /** Its lines not yet in the row, in id order. */
  fresh: ProfileLog[]
  /** Whether the fold reads the row's `first_contacts` (see `needsFirstContacts`): it must then be loaded. */
  needsFirstContacts: boolean
}

/**
 * What a tick writes: new attackers, attackers whose contacts changed,
 * attackers whose counters moved, command batches, credentials, service
 * activities not stored yet, artifacts, fingerprints and SMTP targets.
 */
export interface TickWrites {
  created: AttackerProfile[]
  changed: AttackerProfile[]
  moved: StoredAttacker[]
  batches: AttackerCommandBatchesTable[]
  credentials: CredentialsTable[]
  services: AttackerServicesTable[]
  artifacts: AttackerArtifactsTable[]
  fingerprints: AttackerFingerprintsTable[]
  smtpTargets: AttackerSmtpTargetsTable[]
}

/**
 * A tick's plan: what it writes, the rows it writes (for the cache, once
 * committed), the service activities it writes (by {@link activityKey}, for
 * the profiler to remember once committed), and the commands and credentials
 * found.
 */
export interface TickPlan {
  writes: TickWrites
  written: CachedAttacker[]
  activities: string[]
  commands: number
  credentials: number
}

/** What {@link planTick} knows beyond the work. */
export interface PlanOptions {
  /** Service activities (by {@link activityKey}) already stored: left out of the writes. */
  storedActivities?: ReadonlySet<string>
  /** Proxies whose proxy headers claim nothing of the attacker's (see `TrustedProxies`). */
  trustedProxies?: TrustedProxies
}

/** The identity of an `attacker_services` row, as one string (its parts joined by NUL, which none holds). */
export function activityKey(ip: string, service: string, kind: 'interaction' | 'scan'): string {
  return `${ip}\u0000${service}\u0000${kind}`
}

/** The lines of each attacker, in line order; lines without an attacker are left out (the cursor still moves past them). */
export function groupByIp(lines: readonly TickLine[]): Map<string, ProfileLog[]> {
  const byIp = new Map<string, ProfileLog[]>()
  for (const line of lines) {
    if (!line.attacker_ip) continue
    let rows = byIp.get(line.attacker_ip)
    if (rows === undefined) byIp.set(line.attacker_ip, (rows = []))
    rows.push(line)
  }

  return byIp
}

/**
 * The attackers of `byIp` with their stored rows (`stored`, by IP; absent:
 * new), each with its lines not yet in its row. An attacker whose lines all
 * are (a cursor moved back without a reset) is left out: lines are never
 * counted twice.
 */
export function tickWork(byIp: ReadonlyMap<string, ProfileLog[]>, stored: ReadonlyMap<string, CachedAttacker>): TickWork[] {
  const work: TickWork[] = []
  for (const [ip, rows] of byIp) {
    const entry = stored.get(ip)
    const row = entry?.row
    // rows are in id order, so when the first is new they all are (the usual case)
    const fresh = row === undefined || rows[0].id > row.last_log_id ? rows : rows.filter((line) => line.id > row.last_log_id)
    if (fresh.length === 0) continue
    work.push({fresh, ip, needsFirstContacts: needsFirstContacts(row, fresh), ownContacts: entry?.ownContacts ?? false, row})
  }

  return work
}

/**
 * Folds each attacker's fresh lines into its row (see `foldAttacker`): the
 * rows, command batches, credentials, service activities (those not in
 * `storedActivities`) and artifacts to write. Every `first_contacts` that
 * `work` says a fold needs must be loaded. Lines naming no attacker are not
 * in `work`: their credentials are the profiler's to add.
 */
export function planTick(work: readonly TickWork[], semantics: LogSemantics, options: PlanOptions = {}): TickPlan {
  const stored = options.storedActivities
  const created: AttackerProfile[] = []
  const changed: AttackerProfile[] = []
  const moved: CachedAttacker[] = []
  const batches: AttackerCommandBatchesTable[] = []
  const credentialRows = new Map<string, CredentialsTable>()
  const services: AttackerServicesTable[] = []
  const activities: string[] = []
  const artifacts: AttackerArtifactsTable[] = []
  const fingerprints = new Map<string, AttackerFingerprintsTable>()
  const smtpTargets = new Map<string, AttackerSmtpTargetsTable>()
  let commands = 0
  let credentials = 0
  for (const {fresh, ip, needsFirstContacts, ownContacts, row} of work) {
    const folded = foldAttacker(row, ip, fresh, semantics, {needsFirstContacts, ownContacts})
    if (!folded.contactsChanged) moved.push({ownContacts: folded.ownContacts, row: folded.attacker})
    else if (row === undefined) created.push(folded.attacker)
    else changed.push(folded.attacker)
    for (const {artifact: {kind, ...details}, decky, log_id: logId, service, timestamp} of folded.artifacts) {
      artifacts.push({decky, details: JSON.stringify(details), ip, kind, log_id: logId, service, timestamp})
    }

    for (const [service, seen] of folded.services) {
      for (const kind of ['interaction', 'scan'] as const) {
        const first = seen[kind]
        if (first === undefined) continue
        const key = activityKey(ip, service, kind)
        if (stored?.has(key)) continue
        services.push({first_log_id: first, ip, kind, service})
        activities.push(key)
      }
    }

    if (folded.smtpTargets.length > 0) addSmtpTargets(smtpTargets, ip, folded.smtpTargets)
    if (folded.fingerprints.length > 0) addFingerprints(fingerprints, ip, folded.fingerprints, options.trustedProxies)
    if (folded.credentials.length > 0) {
      addCredentials(credentialRows, ip, folded.credentials)
      credentials += folded.credentials.length
    }

    if (folded.commands.length === 0) continue
    batches.push(commandBatch(ip, folded.commands))
    commands += folded.commands.length
  }

  const own = (row: AttackerProfile): CachedAttacker => ({ownContacts: true, row})
  return {
    activities,
    commands,
    credentials,
    writes: {artifacts, batches, changed, created, credentials: [...credentialRows.values()], fingerprints: [...fingerprints.values()], moved: moved.map(({row}) => row), services, smtpTargets: [...smtpTargets.values()]},
    written: [...created.map(own), ...changed.map(own), ...moved],
  }
}
