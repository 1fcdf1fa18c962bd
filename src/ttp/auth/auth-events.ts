/**
 * What the counting rules read of a batch of log lines: failed and successful
 * logins, the credentials lines carry (DECNET's universal credential shape)
 * and the events that make up an attacker's timing. Collected by `tagLogs`
 * one line at a time; pure.
 */
import {createHash} from 'node:crypto'

import type {LogRow} from '../../db/schema.js'
import type {AuthOutcome} from '../../logs/auth.js'
import type {AuthFailure} from '../brute-force.js'

import {activityOf} from '../../logs/activity.js'
import {extractCredential, MAX_PRINCIPAL_CHARS} from '../../logs/credential.js'
import {firstField} from '../../logs/fields.js'
import {sliceWhole} from '../../util/slice-whole.js'

/** A successful login. */
export interface AuthSuccess {
  readonly id: number
  readonly ip: string
  readonly ms: number
  readonly timestamp: string
  readonly principal: null | string
}

/** One use of a credential (principal and secret) on a target. */
export interface CredentialUse {
  readonly id: number
  readonly ip: string
  readonly timestamp: string
  /** `decky/service`. */
  readonly target: string
  readonly principal: null | string
  readonly secretKind: string
  readonly secretSha256: string
  /** SHA-256 (hex) of kind, principal and secret hash: the credential's identity. */
  readonly pairKey: string
  /** True when the outcome was success (a login, not only an attempt). */
  readonly succeeded: boolean
}

/** An event of an attacker's timing: not noise, not DECNET's own sniffer and prober, not a login or a credential. */
export interface ActivityEvent {
  readonly id: number
  readonly ip: string
  readonly ms: number
  readonly timestamp: string
  readonly service: string
}

/** What a batch holds for the counting rules besides its failed logins. */
export interface AuthEvents {
  readonly successes: AuthSuccess[]
  readonly credentials: CredentialUse[]
  readonly activity: ActivityEvent[]
}

/** The columns of a log row read here (`decky` and `service` are optional: some callers do not read them). */
export type AuthRow = Pick<LogRow, 'attacker_ip' | 'event_type' | 'id' | 'timestamp'> & Partial<Pick<LogRow, 'decky' | 'service'>>

/** An empty {@link AuthEvents}. */
export function noAuthEvents(): AuthEvents {
  return {activity: [], credentials: [], successes: []}
}

/**
 * Adds what `row` says to `into` and returns its failed login, if it is one
 * (`outcome` is `classifyAuth`'s verdict): with the principal and the
 * secret's hash when the line names them.
 *
 * @example
 * ```ts
 * const events = noAuthEvents()
 * const failure = collectAuth(row, fields, classifyAuth(source), events)
 * ```
 */
export function collectAuth(row: AuthRow, fields: Readonly<Record<string, unknown>>, outcome: AuthOutcome | null, into: AuthEvents): AuthFailure | undefined {
  const ip = row.attacker_ip
  if (!ip) return undefined
  const ms = Date.parse(row.timestamp)
  if (!Number.isFinite(ms)) return undefined
  const {id, timestamp} = row
  // DECNET's `Unknown` (FTP, MQTT) is no one: counted as a failure (as the brute-force rule always has), never as an attacker's credential or timing
  const known = ip !== 'Unknown'
  const credential = outcome === null && fields.secret_b64 === undefined ? null : extractCredential(fields)
  // logins are not a cadence: a scripted brute force with a fixed delay is not a beacon
  if (known && outcome === null && credential === null && row.service !== undefined && activityOf(row.service, row.event_type ?? '') !== 'noise') {
    into.activity.push({id, ip, ms, service: row.service, timestamp})
  }

  const principal = credential === null ? principalField(fields) : credential.principal
  if (known && credential !== null) {
    into.credentials.push({
      id,
      ip,
      pairKey: pairKey(credential.secretKind, credential.principal, credential.secretSha256),
      principal: credential.principal,
      secretKind: credential.secretKind,
      secretSha256: credential.secretSha256,
      succeeded: outcome === 'success' || credential.outcome === 'success',
      target: `${row.decky ?? ''}/${row.service ?? ''}`,
      timestamp,
    })
  }

  if (known && outcome === 'success') into.successes.push({id, ip, ms, principal, timestamp})
  if (outcome !== 'failure') return undefined
  return {id, ip, ms, principal, secretSha256: credential?.secretSha256 ?? null, timestamp}
}

/** The identity of a credential: SHA-256 of its kind, principal (empty for none) and secret hash. */
export function pairKey(secretKind: string, principal: null | string, secretSha256: string): string {
  return createHash('sha256').update(`${secretKind}\n${principal ?? ''}\n${secretSha256}`).digest('hex')
}

/** NUL and lone UTF-16 surrogates: no database stores them as text. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** The user a line without a credential names (`username`, `user`, `principal`), bounded. */
function principalField(fields: Readonly<Record<string, unknown>>): null | string {
  const name = firstField(fields, ['principal', 'username', 'user'])
  // NUL and lone surrogates: no database stores them as text
  return name === null || name === 'None' ? null : sliceWhole(name, 0, MAX_PRINCIPAL_CHARS).replace(UNSTORABLE, '\uFFFD')
}
