/**
 * The read side of `credentials`: one attacker's credentials (`decnet
 * attackers show`), and the credentials across attackers, most tried or
 * reused first (`decnet credentials`).
 */
import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import type {CredentialRow, Database} from '../db/schema.js'
import type {AttackerCredential, CredentialSummary} from './attacker-profile.js'

import {secretText} from '../logs/credential.js'

/** Credentials `decnet attackers show` carries at most (the most tried; `credentialCount` says how many there are). */
export const SHOW_CREDENTIALS = 1000

/** How to list credentials across attackers. */
export interface ListCredentialsOptions {
  /** At most this many. */
  limit: number
  /** Only credentials seen on two or more decky:service pairs, most widespread first. */
  reused?: boolean
  /** Only what was tried on this service (its rows alone count). */
  service?: string
}

/**
 * The credentials attacker `ip` tried, most attempts first (then latest
 * seen), at most `limit` of them.
 *
 * @example
 * ```ts
 * const tried = await readAttackerCredentials(db, '203.0.113.7', SHOW_CREDENTIALS)
 * ```
 */
export async function readAttackerCredentials(db: Kysely<Database>, ip: string, limit: number): Promise<AttackerCredential[]> {
  const rows = await db
    .selectFrom('credentials')
    .selectAll()
    .where('attacker_ip', '=', ip)
    .orderBy('attempts', 'desc')
    .orderBy('last_seen', 'desc')
    .orderBy('decky')
    .orderBy('service')
    .orderBy('principal')
    .orderBy('secret_sha256')
    .limit(limit)
    .execute()
  return rows.map((row) => attackerCredential(row))
}

/** How many credential rows attacker `ip` has. */
export async function countAttackerCredentials(db: Kysely<Database>, ip: string): Promise<number> {
  const row = await db.selectFrom('credentials').select((eb) => eb.fn.countAll().as('count')).where('attacker_ip', '=', ip).executeTakeFirstOrThrow()
  return Number(row.count)
}

/**
 * Credentials across every attacker, one entry per (kind, secret,
 * principal): the most tried first, or with `reused` only those seen on two
 * or more decky:service pairs, the most widespread first.
 *
 * @example
 * ```ts
 * const reused = await listCredentials(db, {limit: 20, reused: true})
 * ```
 */
export async function listCredentials(db: Kysely<Database>, options: ListCredentialsOptions): Promise<CredentialSummary[]> {
  // decky and service names are RFC 5424 header tokens: they hold no space, so a space joins them unambiguously
  const target = sql<string>`decky || ' ' || service`
  let query = db
    .selectFrom('credentials')
    .select((eb) => [
      'secret_kind',
      'secret_sha256',
      'principal',
      eb.fn.min('secret_b64').as('secret_b64'),
      eb.fn.max('secret_bytes').as('secret_bytes'),
      eb.fn.sum<number | string>('attempts').as('attempts'),
      eb.fn.sum<number | string>('successes').as('successes'),
      eb.fn.sum<number | string>('failures').as('failures'),
      sql<number | string>`count(distinct nullif(attacker_ip, ''))`.as('attackers'),
      sql<number | string>`count(distinct decky)`.as('deckies'),
      sql<number | string>`count(distinct service)`.as('services'),
      sql<number | string>`count(distinct ${target})`.as('targets'),
      eb.fn.min('first_seen').as('first_seen'),
      eb.fn.max('last_seen').as('last_seen'),
    ])
    .groupBy(['secret_kind', 'secret_sha256', 'principal'])
  if (options.service !== undefined) query = query.where('service', '=', options.service)
  if (options.reused) {
    query = query.having(sql<number>`count(distinct ${target})`, '>=', 2).orderBy(sql`count(distinct ${target})`, 'desc')
  }

  const rows = await query
    .orderBy(sql`sum(attempts)`, 'desc')
    .orderBy(sql`max(last_seen)`, 'desc')
    .orderBy('principal')
    .orderBy('secret_kind')
    .orderBy('secret_sha256')
    .limit(options.limit)
    .execute()
  return rows.map((row) => ({
    principal: row.principal === '' ? null : row.principal,
    secretKind: row.secret_kind,
    secret: secretText(row.secret_b64, row.secret_kind, Number(row.secret_bytes)),
    secretB64: row.secret_b64,
    secretSha256: row.secret_sha256,
    attempts: Number(row.attempts),
    attackers: Number(row.attackers),
    deckies: Number(row.deckies),
    services: Number(row.services),
    targets: Number(row.targets),
    outcome: outcomeOf(Number(row.successes), Number(row.failures)),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  }))
}

/** A `credentials` row as an attacker's credential. */
export function attackerCredential(row: CredentialRow): AttackerCredential {
  // keys in the documented order, which JSON output keeps
  return {
    principal: row.principal === '' ? null : row.principal,
    secretKind: row.secret_kind,
    secret: secretText(row.secret_b64, row.secret_kind, Number(row.secret_bytes)),
    secretB64: row.secret_b64,
    secretSha256: row.secret_sha256,
    service: row.service,
    decky: row.decky,
    domain: row.domain,
    outcome: outcomeOf(Number(row.successes), Number(row.failures)),
    attempts: Number(row.attempts),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  }
}

/** `success` when any attempt was said to succeed, else `failure` when any was said to fail, else null (the service did not say). */
function outcomeOf(successes: number, failures: number): 'failure' | 'success' | null {
  return successes > 0 ? 'success' : failures > 0 ? 'failure' : null
}
