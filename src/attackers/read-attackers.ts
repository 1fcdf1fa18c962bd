/**
 * The read side of attacker profiles: the rows the profiler keeps, their
 * commands and their ATT&CK techniques, as {@link AttackerProfile}s.
 */
import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import type {AttackerGeoTable, AttackerRow, Database} from '../db/schema.js'
import type {AttackerDetail, AttackerProfile, ServiceActivity, TechniqueCount} from './attacker-profile.js'

import {chunks} from '../util/chunks.js'
import {readAttackerArtifacts, readAttackerMail, SHOW_ARTIFACTS} from './read-artifacts.js'
import {readAttackerBehavior, readBehaviorClasses} from './read-behavior.js'
import {countAttackerCredentials, readAttackerCredentials, SHOW_CREDENTIALS} from './read-credentials.js'
import {countAttackerFingerprints, readAttackerFingerprints, SHOW_FINGERPRINTS} from './read-fingerprints.js'
import {readRecentCommands, streamCommands} from './read-recent-commands.js'
import {withSessionCommands} from './read-session-commands.js'
import {readAttackerSmtpTargets, SHOW_SMTP_TARGETS} from './read-smtp-targets.js'

const IPS_PER_SELECT = 1000

/**
 * Commands a list of attackers carries per attacker: the latest ones. Lists
 * carried every command, and 50 attackers' 64 KiB attacker lines took
 * `decnet attackers --json` to 1.05 GB RSS (see docs/benchmarks.md).
 */
export const LIST_COMMANDS = 10

/** How to list attackers. */
export interface ListAttackersOptions {
  /** At most this many, most recently seen first. */
  limit: number
  /** The latest commands each carries (default {@link LIST_COMMANDS}); `commandCount` says how many there are. */
  commands?: number
}

/** How much of an attacker's profile to read. */
export interface FindAttackerOptions {
  /** How many of its latest commands to carry (default: all of them, all in memory). */
  commands?: number
}

/**
 * The most recently seen attackers (latest `lastSeen` first, then by IP),
 * with their commands and techniques.
 *
 * @example
 * ```ts
 * const recent = await listAttackers(db, {limit: 20})
 * ```
 */
export async function listAttackers(db: Kysely<Database>, options: ListAttackersOptions): Promise<AttackerProfile[]> {
  const rows = await db
    .selectFrom('attackers')
    .selectAll()
    .orderBy('last_seen', 'desc')
    .orderBy('ip')
    .limit(options.limit)
    .execute()
  return completeProfiles(db, rows, options.commands ?? LIST_COMMANDS)
}

/**
 * One attacker by IP, or undefined when the profiler has never seen it.
 * With every command by default; `{commands: 0}` reads none (then stream
 * them with `streamCommands`, as `decnet attackers show` does).
 */
export async function findAttacker(db: Kysely<Database>, ip: string, options: FindAttackerOptions = {}): Promise<AttackerProfile | undefined> {
  const row = await db.selectFrom('attackers').selectAll().where('ip', '=', ip).executeTakeFirst()
  if (row === undefined) return undefined
  const wanted = options.commands ?? Number.POSITIVE_INFINITY
  const [profile] = await completeProfiles(db, [row], Number.isFinite(wanted) ? wanted : 0)
  if (!Number.isFinite(wanted)) for await (const command of streamCommands(db, ip)) profile.commands.push(command)
  return profile
}

/**
 * One attacker as `decnet attackers show` gives it, without its commands
 * (stream them with `streamCommands`): the profile, and its credentials (the
 * {@link SHOW_CREDENTIALS} most tried) with how many there are, its
 * fingerprints, artifacts, sessions (with the commands inside each), stored
 * mail and SMTP targets.
 */
export async function findAttackerDetail(db: Kysely<Database>, ip: string): Promise<AttackerDetail | undefined> {
  const profile = await findAttacker(db, ip, {commands: 0})
  if (profile === undefined) return undefined
  const [credentials, credentialCount, serviceActivity, {files, sessions}, fingerprints, fingerprintCount, behavior, mail, smtpTargets] = await Promise.all([
    readAttackerCredentials(db, ip, SHOW_CREDENTIALS),
    countAttackerCredentials(db, ip),
    readServiceActivity(db, ip),
    readAttackerArtifacts(db, ip, SHOW_ARTIFACTS),
    readAttackerFingerprints(db, ip, SHOW_FINGERPRINTS),
    countAttackerFingerprints(db, ip),
    readAttackerBehavior(db, ip),
    readAttackerMail(db, ip, SHOW_ARTIFACTS),
    readAttackerSmtpTargets(db, ip, SHOW_SMTP_TARGETS),
  ])
  return {
    ...profile, credentials, credentialCount, fingerprints, fingerprintCount, serviceActivity, artifacts: files,
    sessions: await withSessionCommands(db, ip, sessions), behavior,
    mail: mail.list, mailCount: mail.count, smtpTargets: smtpTargets.list, smtpTargetCount: smtpTargets.count,
  }
}

/** The services attacker `ip` interacted with, and those it only scanned, each by name. */
export async function readServiceActivity(db: Kysely<Database>, ip: string): Promise<ServiceActivity> {
  const rows = await db.selectFrom('attacker_services').select(['service', 'kind']).where('ip', '=', ip).orderBy('service').execute()
  return serviceActivityOf(rows)
}

/** An attacker's `attacker_services` rows (ordered by service) as the services it interacted with and those it only scanned. */
export function serviceActivityOf(rows: ReadonlyArray<{kind: string; service: string}>): ServiceActivity {
  const interacted = new Set(rows.filter((row) => row.kind === 'interaction').map((row) => row.service))
  return {
    interacted: [...interacted],
    scanned: [...new Set(rows.filter((row) => row.kind === 'scan' && !interacted.has(row.service)).map((row) => row.service))],
  }
}

/** The profiles of `rows` (in their order), with each one's latest `perAttacker` commands, its techniques and what the GeoIP databases said: one statement per thousand attackers for each. */
export async function completeProfiles(db: Kysely<Database>, rows: readonly AttackerRow[], perAttacker: number): Promise<AttackerProfile[]> {
  const ips = rows.map((row) => row.ip)
  const commands = await readRecentCommands(db, ips, perAttacker)
  const techniques = await readTechniques(db, ips)
  const classes = await readBehaviorClasses(db, ips)
  const geo = await readGeo(db, ips)
  // keys in the documented order, which JSON output keeps
  return rows.map((row) => ({
    ip: row.ip,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    eventCount: row.event_count,
    services: JSON.parse(row.services) as string[],
    deckies: JSON.parse(row.deckies) as string[],
    isTraversal: Boolean(row.is_traversal),
    traversalPath: row.traversal_path,
    commands: commands.get(row.ip)?.commands ?? [],
    commandCount: commands.get(row.ip)?.count ?? 0,
    authAttempts: row.auth_attempts,
    techniques: techniques.get(row.ip) ?? [],
    country: geo.get(row.ip)?.country ?? null,
    asn: geo.get(row.ip)?.asn ?? null,
    asName: geo.get(row.ip)?.as_name ?? null,
    behaviorClass: classes.get(row.ip) ?? null,
  }))
}

/**
 * Techniques per attacker: tags grouped by technique (the sub-technique when
 * there is one) and tactic, counting distinct log lines, so two rules that
 * spot the same technique in one line count once.
 */
async function readTechniques(db: Kysely<Database>, ips: string[]): Promise<Map<string, TechniqueCount[]>> {
  const byIp = new Map<string, TechniqueCount[]>()
  const techniqueId = sql<string>`coalesce(sub_technique_id, technique_id)`
  for (const chunk of chunks(ips, IPS_PER_SELECT)) {
    const rows = await db
      .selectFrom('ttp_tags')
      .select((eb) => ['attacker_ip', 'tactic', techniqueId.as('technique_id'), eb.fn.count('log_id').distinct().as('count')])
      .where('attacker_ip', 'in', chunk)
      .groupBy(['attacker_ip', 'tactic', techniqueId])
      .execute()
    for (const row of rows) {
      append(byIp, row.attacker_ip!, {techniqueId: row.technique_id, tactic: row.tactic, count: Number(row.count)})
    }
  }

  for (const list of byIp.values()) {
    list.sort((a, b) => b.count - a.count || compare(a.techniqueId, b.techniqueId) || compare(a.tactic, b.tactic))
  }

  return byIp
}

/** What the GeoIP and ASN databases said of each IP (`attacker_geo`), for those they know. */
async function readGeo(db: Kysely<Database>, ips: string[]): Promise<Map<string, Pick<AttackerGeoTable, 'as_name' | 'asn' | 'country'>>> {
  const byIp = new Map<string, Pick<AttackerGeoTable, 'as_name' | 'asn' | 'country'>>()
  for (const chunk of chunks(ips, IPS_PER_SELECT)) {
    const rows = await db.selectFrom('attacker_geo').select(['ip', 'country', 'asn', 'as_name']).where('ip', 'in', chunk).execute()
    for (const row of rows) byIp.set(row.ip, row)
  }

  return byIp
}

function append<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
