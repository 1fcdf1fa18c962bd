import type {NewAlert} from '../../alerts/alert.js'
import type {TickWork} from '../profiler/tick-plan.js'

/**
 * The `attacker.first_seen` alerts of a profiler tick: one per attacker the
 * tick creates (no stored row), at its first line (the earliest by time,
 * then log id), with that line's decky and service.
 *
 * @example
 * ```ts
 * await queue.queue(trx, firstSeenAlerts(work))
 * ```
 */
export function firstSeenAlerts(work: readonly TickWork[]): NewAlert[] {
  const alerts: NewAlert[] = []
  for (const {fresh, ip, row} of work) {
    if (row !== undefined || fresh.length === 0) continue
    let first = fresh[0]
    for (const line of fresh) if (line.timestamp < first.timestamp) first = line
    alerts.push({
      attackerIp: ip,
      decky: first.decky ?? undefined,
      kind: 'attacker.first_seen',
      logId: first.id,
      seenAt: first.timestamp,
      service: first.service ?? undefined,
      tactic: null,
      techniqueId: null,
    })
  }

  return alerts
}
