/**
 * What DECNET's prober saw of an attacker's machine (§1.13: its
 * `tcpfp_fingerprint` SYN-ACK, the OS, hops and TCP stack it gives) belongs
 * to that attacker's behaviour, as its fingerprints do (see
 * `probed-fingerprints.ts`): the prober names the attacker as `target_ip`,
 * and ingest stores its lines with no attacker IP (docs/profiles.md, "Prober
 * lines", says why). Only their signal counts: a prober line is no activity
 * of the attacker's (`INFRASTRUCTURE_SERVICES`), so its timing, services and
 * phases stay the attacker's own.
 */
import type {LogSemantics, ProfileLog} from '../fold.js'
import type {TickLine} from '../read/read-lines.js'
import type {BehaviorWork} from './behavior-store.js'

/**
 * `work` with this tick's prober lines that carry a behaviour signal added to
 * the work of the attacker each is about (a work of its own when that attacker
 * has no other line in the tick), every list in log id order. The behaviour
 * store folds each attacker's lines past its own last log id, so a replay
 * folds no probe twice.
 */
export function withProbedLines(work: readonly BehaviorWork[], lines: readonly TickLine[], semantics: LogSemantics): BehaviorWork[] {
  const probed = new Map<string, ProfileLog[]>()
  for (const line of lines) {
    if (line.attacker_ip) continue
    const meaning = line.meaning ?? semantics.describe(line)
    if (meaning.probed === undefined || meaning.behavior === undefined) continue
    let list = probed.get(meaning.probed)
    if (list === undefined) probed.set(meaning.probed, (list = []))
    list.push(line.meaning === undefined ? {...line, meaning} : line)
  }

  if (probed.size === 0) return [...work]
  const out = work.map((entry) => {
    const extra = probed.get(entry.ip)
    if (extra === undefined) return entry
    probed.delete(entry.ip)
    return {fresh: merged(entry.fresh, extra), ip: entry.ip}
  })
  for (const [ip, fresh] of probed) out.push({fresh, ip})
  return out
}

/** Two lists of lines in id order, as one. */
function merged(a: readonly ProfileLog[], b: readonly ProfileLog[]): ProfileLog[] {
  const out: ProfileLog[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) out.push(a[i].id < b[j].id ? a[i++] : b[j++])
  while (i < a.length) out.push(a[i++])
  while (j < b.length) out.push(b[j++])
  return out
}
