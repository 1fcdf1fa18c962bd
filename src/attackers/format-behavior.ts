/** The behaviour section of `decnet attackers show`'s text. */
import type {AttackerBehavior} from './attacker-behavior.js'

import {indent, printable, shortTime} from './text-table.js'

/**
 * The section's lines (indented under the profile's head), or `''` when the
 * attacker has no behaviour row.
 *
 * @example
 * ```ts
 * lines.push(formatBehavior(detail.behavior))
 * ```
 */
export function formatBehavior(b: AttackerBehavior | null): string {
  if (b === null) return ''
  const t = b.timing
  const lines = [`  behaviour      ${b.class} (${t.eventCount} events, ${b.serviceCount} service${b.serviceCount === 1 ? '' : 's'})`]
  const details: string[] = []
  if (t.meanIatS !== null) {
    details.push(
      `timing     over ${t.durationS}s: gap mean ${t.meanIatS}s, median ${t.medianIatS}s, stdev ${t.stdevIatS}s, min ${t.minIatS}s, max ${t.maxIatS}s, cv ${t.cv ?? '-'}` +
        (t.unplaced > 0 ? ` (${t.unplaced} out-of-order events not placed)` : ''),
    )
  }

  if (b.beacon !== null) details.push(`beacon     every ${b.beacon.intervalS}s, jitter ${b.beacon.jitterPct}%`)
  if (b.toolGuesses.length > 0) details.push(`tools      ${b.toolGuesses.join(', ')}`)
  const p = b.phases
  if (p.reconStart !== null) details.push(`recon      ${shortTime(p.reconStart)} - ${shortTime(p.reconEnd!)}`)
  if (p.actionStart !== null) {
    details.push(`action     ${shortTime(p.actionStart)} - ${shortTime(p.actionEnd!)}${p.exfilLatencyS === null ? '' : ` (${p.exfilLatencyS}s after recon)`}`)
  }

  if (p.largePayloads > 0) details.push(`payloads   ${p.largePayloads} of 1 MiB or more`)
  const os = b.os
  if (os.guess !== null || os.hopDistance !== null) details.push(`os         ${os.guess ?? '-'}${os.hopDistance === null ? '' : `, ${os.hopDistance} hops away`}`)
  if (os.tcpFingerprint !== null) {
    const fp = Object.entries(os.tcpFingerprint).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${String(v)}`)
    details.push(`tcp        ${fp.join(' ')}`)
  }

  if (b.retransmits > 0) details.push(`retransmit ${b.retransmits}`)
  if (details.length > 0) lines.push(indent(details.map((line) => printable(line)).join('\n'), 4))
  return lines.join('\n')
}
