import {createHash} from 'node:crypto'

import type {AlertKind, NewAlert} from './alert.js'

import {alertKey} from './alert.js'

/** The payload's format version: a receiver checks it; a change that breaks receivers bumps it. */
export const PAYLOAD_VERSION = 1

/** The longest attacker-influenced text in a payload (characters, after escaping). */
export const MAX_PAYLOAD_TEXT = 200

/** A queued alert, as the sender reads it back. */
export interface QueuedAlert extends NewAlert {
  /** When it was queued (ISO). */
  readonly queuedAt: string
}

/** What the sender knows of ATT&CK names (from the catalog in use); undefined: unknown. */
export interface AttackNames {
  technique(id: string): string | undefined
  tactic(id: string): string | undefined
}

/** The JSON body of a delivery (documented in docs/webhooks.md). */
export interface AlertPayload {
  readonly version: typeof PAYLOAD_VERSION
  /** Stable for the alert: 32 hex digits (a hash of kind, attacker and technique). The same alert delivered again has the same id. */
  readonly id: string
  readonly event: AlertKind
  readonly queuedAt: string
  readonly attacker: {readonly ip: string}
  /** `attacker.first_seen`: when and where. */
  readonly firstSeen?: {readonly at: string; readonly decky: null | string; readonly service: null | string}
  /** `attacker.technique`: which technique, under which tactic, when first seen, by which rule. */
  readonly technique?: {
    readonly id: string
    readonly name: null | string
    readonly tactic: null | string
    readonly tacticName: null | string
    readonly firstSeen: string
    readonly rule: null | string
  }
  /** One line for a human, with no links: attacker text in it is defanged (`hxxp[:]//`, `www[.]`). */
  readonly summary: string
}

/**
 * The body of `alert`'s delivery. Attacker-influenced text (the IP as
 * logged, decky, service) is escaped (control bytes as `\xNN`), cut to
 * {@link MAX_PAYLOAD_TEXT} characters, and, in the summary, defanged so that
 * no chat client turns it into a link.
 *
 * @example
 * ```ts
 * alertPayload(queued, names).summary // 'attacker 203.0.113.7 used T1059.004 Unix Shell (Execution) for the first time'
 * ```
 */
export function alertPayload(alert: QueuedAlert, names?: AttackNames): AlertPayload {
  const ip = cleanText(alert.attackerIp)
  const id = createHash('sha256').update(alertKey(alert)).digest('hex').slice(0, 32)
  // keys in the order a reader wants them (and docs/webhooks.md shows)
  const base = {version: PAYLOAD_VERSION, id, event: alert.kind, queuedAt: alert.queuedAt, attacker: {ip}} as const
  if (alert.kind === 'attacker.first_seen') {
    const decky = optional(alert.decky)
    const service = optional(alert.service)
    const where = [decky === null ? '' : ` on decky ${decky}`, service === null ? '' : ` (${service})`].join('')
    return {...base, firstSeen: {at: cleanText(alert.seenAt), decky, service}, summary: defang(`new attacker ${ip} first seen${where} at ${cleanText(alert.seenAt)}`)}
  }

  const techniqueId = cleanText(alert.techniqueId ?? '')
  const name = names?.technique(techniqueId) ?? null
  const tactic = alert.tactic === null ? null : cleanText(alert.tactic)
  const tacticName = tactic === null ? null : (names?.tactic(tactic) ?? null)
  const label = [techniqueId, name ?? '', tacticName === null ? '' : `(${tacticName})`].filter((part) => part !== '').join(' ')
  return {
    ...base,
    technique: {id: techniqueId, name, tactic, tacticName, firstSeen: cleanText(alert.seenAt), rule: optional(alert.ruleId)},
    summary: defang(`attacker ${ip} used ${label} for the first time at ${cleanText(alert.seenAt)}`),
  }
}

/** `text` with control and format characters escaped (`\x1b`, `\u202e`) and cut to {@link MAX_PAYLOAD_TEXT} characters. */
export function cleanText(text: string): string {
  const escaped = text.replaceAll(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, (ch) => {
    const code = ch.codePointAt(0)!
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
  return escaped.length > MAX_PAYLOAD_TEXT ? `${escaped.slice(0, MAX_PAYLOAD_TEXT - 1)}…` : escaped
}

function optional(text: string | undefined): null | string {
  return text === undefined || text === '' || text === '-' ? null : cleanText(text)
}

/** No links: `http://x` becomes `hxxp[:]//x`, any other `://` `[:]//`, and a bare `www.` loses its dot, so no client makes a link of attacker text. */
function defang(text: string): string {
  return text.replaceAll(/http(s?):\/\//gi, 'hxxp$1[:]//').replaceAll('://', '[:]//').replaceAll(/\bwww\./gi, 'www[.]')
}
