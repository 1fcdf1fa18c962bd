/**
 * Every attacker (or those a filter names), a page at a time, in IP order:
 * what the exports read. A page is one keyset-paged statement over
 * `attackers` and one statement per detail table for all of its attackers
 * (each bounded per attacker by a window), so memory holds one page,
 * however many attackers there are.
 */
import type {Kysely, Selectable} from 'kysely'

import {sql} from 'kysely'

import type {AttackerArtifactsTable, CredentialRow, Database} from '../db/schema.js'
import type {AttackerCredential, AttackerDetail, AttackerFile, AttackerMail, AttackerSession, ServiceActivity} from './attacker-profile.js'

import {dialectOf} from '../db/dialect-of.js'
import {valuesIn} from '../db/values-in.js'
import {attackerFile, attackerMail, attackerSession, SHOW_ARTIFACTS} from './read-artifacts.js'
import {completeProfiles, serviceActivityOf} from './read-attackers.js'
import {readBehaviors} from './read-behavior.js'
import {readPageFingerprints, SHOW_FINGERPRINTS} from './read-fingerprints.js'
import {readPageCommands} from './read-page-commands.js'
import {attackerCredential, SHOW_CREDENTIALS} from './read-credentials.js'
import {withSessionCommands} from './read-session-commands.js'
import {readPageSmtpTargets, SHOW_SMTP_TARGETS} from './read-smtp-targets.js'

/** Which attackers to read. */
export interface AttackerFilter {
  /** Only these IPs (as stored: see `normaliseIp`); all when absent. */
  readonly ips?: readonly string[]
  /** Only attackers last seen at or after this time (ISO-8601 UTC). */
  readonly since?: string
  /** Only attackers first seen at or before this time (ISO-8601 UTC). */
  readonly until?: string
}

/** How much of each attacker a page carries. */
export interface AttackerPageOptions {
  /** Attackers per page (default 500). */
  readonly pageSize?: number
  /** The latest commands each carries (default 0: stream them with `streamCommands`); `commandCount` says how many there are. */
  readonly commands?: number
  /** The most tried credentials each carries (default {@link SHOW_CREDENTIALS}). */
  readonly credentials?: number
  /** The newest captured files, and recorded sessions, each carries (default {@link SHOW_ARTIFACTS}). */
  readonly artifacts?: number
}

/** Attackers per page by default: a few MB of profiles. */
export const ATTACKERS_PER_PAGE = 500

/**
 * The attackers `filter` selects, as `decnet attackers show --json` gives
 * them, `pageSize` at a time in IP order.
 *
 * @example
 * ```ts
 * for await (const page of readAttackerPages(db, {since: '2026-11-25T00:00:00.000Z'})) for (const attacker of page) console.log(attacker.ip)
 * ```
 */
export async function* readAttackerPages(db: Kysely<Database>, filter: AttackerFilter = {}, options: AttackerPageOptions = {}): AsyncGenerator<AttackerDetail[]> {
  const pageSize = options.pageSize ?? ATTACKERS_PER_PAGE
  const dialect = dialectOf(db)
  if (filter.ips !== undefined && filter.ips.length === 0) return
  let after: string | undefined
  for (;;) {
    let query = db.selectFrom('attackers').selectAll().orderBy('ip').limit(pageSize)
    if (after !== undefined) query = query.where('ip', '>', after)
    if (filter.ips !== undefined) query = query.where(valuesIn(dialect, 'ip', filter.ips))
    if (filter.since !== undefined) query = query.where('last_seen', '>=', filter.since)
    if (filter.until !== undefined) query = query.where('first_seen', '<=', filter.until)
    const rows = await query.execute()
    if (rows.length === 0) return
    const ips = rows.map((row) => row.ip)
    const [profiles, commands, credentials, services, artifacts, fingerprints, behaviors, smtpTargets] = await Promise.all([
      completeProfiles(db, rows, 0),
      readPageCommands(db, ips, options.commands ?? 0),
      pageCredentials(db, ips, options.credentials ?? SHOW_CREDENTIALS),
      pageServices(db, ips),
      pageArtifacts(db, ips, options.artifacts ?? SHOW_ARTIFACTS),
      readPageFingerprints(db, ips, SHOW_FINGERPRINTS),
      readBehaviors(db, ips),
      readPageSmtpTargets(db, ips, SHOW_SMTP_TARGETS),
    ])
    const sessions = new Map(
      await Promise.all([...artifacts].filter(([, entry]) => entry.sessions.length > 0).map(async ([ip, entry]) => [ip, await withSessionCommands(db, ip, entry.sessions)] as const)),
    )
    yield profiles.map((profile) => ({
      ...profile,
      commands: commands.get(profile.ip) ?? [],
      credentials: credentials.get(profile.ip)?.list ?? [],
      credentialCount: credentials.get(profile.ip)?.count ?? 0,
      serviceActivity: services.get(profile.ip) ?? {interacted: [], scanned: []},
      artifacts: artifacts.get(profile.ip)?.files ?? [],
      sessions: sessions.get(profile.ip) ?? [],
      fingerprints: fingerprints.get(profile.ip)?.list ?? [],
      fingerprintCount: fingerprints.get(profile.ip)?.count ?? 0,
      behavior: behaviors.get(profile.ip) ?? null,
      mail: artifacts.get(profile.ip)?.mail ?? [],
      mailCount: artifacts.get(profile.ip)?.mailCount ?? 0,
      smtpTargets: smtpTargets.get(profile.ip)?.list ?? [],
      smtpTargetCount: smtpTargets.get(profile.ip)?.count ?? 0,
    }))
    if (rows.length < pageSize) return
    after = ips.at(-1)
  }
}

/** An attacker's artifacts on a page. */
interface PageArtifacts {
  files: AttackerFile[]
  sessions: AttackerSession[]
  mail: AttackerMail[]
  mailCount: number
}

/** How many attackers `filter` selects. */
export async function countSelected(db: Kysely<Database>, filter: AttackerFilter): Promise<number> {
  if (filter.ips !== undefined && filter.ips.length === 0) return 0
  let query = db.selectFrom('attackers').select((eb) => eb.fn.countAll().as('count'))
  if (filter.ips !== undefined) query = query.where(valuesIn(dialectOf(db), 'ip', filter.ips))
  if (filter.since !== undefined) query = query.where('last_seen', '>=', filter.since)
  if (filter.until !== undefined) query = query.where('first_seen', '<=', filter.until)
  const row = await query.executeTakeFirstOrThrow()
  return Number(row.count)
}

/** The IPs of `ips` that have no profile. */
export async function missingAttackers(db: Kysely<Database>, ips: readonly string[]): Promise<string[]> {
  if (ips.length === 0) return []
  const found = await db.selectFrom('attackers').select('ip').where(valuesIn(dialectOf(db), 'ip', ips)).execute()
  const known = new Set(found.map((row) => row.ip))
  return ips.filter((ip) => !known.has(ip))
}

async function pageCredentials(db: Kysely<Database>, ips: readonly string[], limit: number): Promise<Map<string, {count: number; list: AttackerCredential[]}>> {
  const byIp = new Map<string, {count: number; list: AttackerCredential[]}>()
  const {rows} = await sql<CredentialRow & {rn: number | string; total: number | string}>`
    select * from (
      select c.*,
        row_number() over (partition by attacker_ip order by attempts desc, last_seen desc, decky, service, principal, secret_sha256) as rn,
        count(*) over (partition by attacker_ip) as total
      from credentials c where ${valuesIn(dialectOf(db), 'attacker_ip', ips)}
    ) r where rn <= ${Math.max(1, limit)} order by attacker_ip, rn`.execute(db)
  for (const row of rows) {
    let entry = byIp.get(row.attacker_ip)
    if (entry === undefined) byIp.set(row.attacker_ip, (entry = {count: Number(row.total), list: []}))
    if (Number(row.rn) <= limit) entry.list.push(attackerCredential(row))
  }

  return byIp
}

async function pageServices(db: Kysely<Database>, ips: readonly string[]): Promise<Map<string, ServiceActivity>> {
  const rows = await db.selectFrom('attacker_services').select(['ip', 'service', 'kind']).where(valuesIn(dialectOf(db), 'ip', ips)).orderBy('ip').orderBy('service').execute()
  const byIp = new Map<string, Array<{kind: string; service: string}>>()
  for (const row of rows) {
    const list = byIp.get(row.ip)
    if (list === undefined) byIp.set(row.ip, [row])
    else list.push(row)
  }

  return new Map([...byIp].map(([ip, list]) => [ip, serviceActivityOf(list)]))
}

/** Each attacker's newest `limit` files, sessions and mails, and how many mails it has. */
async function pageArtifacts(db: Kysely<Database>, ips: readonly string[], limit: number): Promise<Map<string, PageArtifacts>> {
  const byIp = new Map<string, PageArtifacts>()
  const {rows} = await sql<Selectable<AttackerArtifactsTable> & {rn: number | string; total: number | string}>`
    select * from (
      select a.*, row_number() over (partition by ip, kind order by log_id desc) as rn, count(*) over (partition by ip, kind) as total
      from attacker_artifacts a where ${valuesIn(dialectOf(db), 'ip', ips)}
    ) r where rn <= ${Math.max(1, limit)} order by ip, kind, rn`.execute(db)
  for (const row of rows) {
    let entry = byIp.get(row.ip)
    if (entry === undefined) byIp.set(row.ip, (entry = {files: [], mail: [], mailCount: 0, sessions: []}))
    if (row.kind === 'mail') entry.mailCount = Number(row.total)
    if (Number(row.rn) > limit) continue
    if (row.kind === 'file') entry.files.push(attackerFile(row))
    else if (row.kind === 'session') entry.sessions.push(attackerSession(row))
    else if (row.kind === 'mail') entry.mail.push(attackerMail(row))
  }

  return byIp
}
