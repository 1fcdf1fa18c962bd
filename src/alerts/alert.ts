/**
 * An alert as the ticks queue it (one `alert_outbox` row): what happened, to
 * whom, and when. The sender turns it into the JSON it POSTs (see
 * `alertPayload`).
 */

/** The kinds of alert: an attacker seen for the first time; an attacker using a technique it had not used before. */
export type AlertKind = 'attacker.first_seen' | 'attacker.technique'

/** Every {@link AlertKind}. */
export const ALERT_KINDS: readonly AlertKind[] = Object.freeze(['attacker.first_seen', 'attacker.technique'])

/** An alert to queue. */
export interface NewAlert {
  readonly kind: AlertKind
  /** The attacker's address, as the log line gave it. */
  readonly attackerIp: string
  /** `attacker.technique`: the technique (`T1059.004`, or `T1082`); null for `attacker.first_seen`. */
  readonly techniqueId: null | string
  /** `attacker.technique`: the tactic it was tagged under (`TA0002`); null otherwise. */
  readonly tactic: null | string
  /** When it happened: the time of the log line that showed it (ISO text, as stored). */
  readonly seenAt: string
  /** The log line that showed it. */
  readonly logId: number
  /** Where: the decky and service of that line (first seen), or the rule that tagged it (technique). Attacker-influenced text. */
  readonly decky?: string
  readonly service?: string
  readonly ruleId?: string
}

/**
 * The identity of an alert: one per (kind, attacker, technique), so a tick
 * replayed over the same lines cannot queue it twice and a receiver can
 * tell a repeated delivery by it. Its parts joined by a space, which none
 * holds (attacker IPs are validated addresses).
 *
 * @example
 * ```ts
 * alertKey({kind: 'attacker.technique', attackerIp: '203.0.113.7', techniqueId: 'T1059.004'}) // 'attacker.technique 203.0.113.7 T1059.004'
 * ```
 */
export function alertKey(alert: Pick<NewAlert, 'attackerIp' | 'kind' | 'techniqueId'>): string {
  return `${alert.kind} ${alert.attackerIp} ${alert.techniqueId ?? ''}`.trimEnd()
}
