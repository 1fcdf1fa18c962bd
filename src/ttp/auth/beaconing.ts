/**
 * Beaconing: an attacker whose latest events on one service come at a
 * steady cadence (DECNET's R0031, with its intended units: the mean gap at
 * least 10 s, the gaps' coefficient of variation at most 0.15), tagged
 * Application Layer Protocol (T1071) and Scheduled Transfer (T1029) as
 * DECNET maps it.
 *
 * The `ttp` worker computes it from the lines it tags, not from the
 * profiler's behaviour row, so the two workers' order cannot change a tag.
 * Per attacker a {@link BeaconStateJson} keeps its latest event times (in
 * time order, with their services) and whether the cadence held at its last
 * event; events are folded one at a time in log-id order, each once (the
 * state records the last id folded). An event is tagged when the cadence
 * holds after it and did not before it: one tag per episode. A late event
 * (older than every kept time) is not placed.
 */
import type {NewTtpTag} from '../../db/schema.js'
import type {ActivityEvent} from './auth-events.js'
import type {AuthSettings} from './auth-settings.js'
import type {CountingRule} from './counting-rules.js'

import {countingTags, shown} from './counting-tag.js'

/** An attacker's state, as stored in `ttp_beacons.state`. */
export interface BeaconStateJson {
  /** The latest event times (ms) and services, ascending by time then id, at most `beaconing.events`. */
  times: Array<[number, string]>
  /** Whether the cadence held at the last event folded. */
  active: boolean
}

/** An attacker's state and the last log id folded into it. */
export interface BeaconState {
  lastLogId: number
  state: BeaconStateJson
}

/**
 * Folds `events` (any order: folded by id) into `states` (by IP; missing
 * attackers start empty) and returns the tags and the IPs whose state changed.
 *
 * @example
 * ```ts
 * const {tags, changed} = beaconTags(batch.activity, await readBeacons(ips), rule, settings, '18.1')
 * ```
 */
export function beaconTags(
  events: readonly ActivityEvent[],
  states: Map<string, BeaconState>,
  rule: CountingRule,
  settings: AuthSettings,
  attackVersion: null | string,
): {changed: Set<string>; tags: NewTtpTag[]} {
  const {events: size, maxJitter, minIntervalSeconds} = settings.beaconing
  const changed = new Set<string>()
  const tags: NewTtpTag[] = []
  for (const event of [...events].sort((a, b) => a.id - b.id)) {
    let entry = states.get(event.ip)
    if (entry === undefined) states.set(event.ip, (entry = {lastLogId: 0, state: {active: false, times: []}}))
    if (event.id <= entry.lastLogId) continue
    entry.lastLogId = event.id
    changed.add(event.ip)
    const {times} = entry.state
    if (times.length >= size && event.ms < times[0][0]) continue // older than every kept time: not placed
    let at = times.length
    while (at > 0 && times[at - 1][0] > event.ms) at--
    times.splice(at, 0, [event.ms, event.service])
    if (times.length > size) times.splice(0, times.length - size)
    const cadence = cadenceOf(times, size)
    const holds = cadence !== undefined && cadence.meanS >= minIntervalSeconds && cadence.cv <= maxJitter
    if (holds && !entry.state.active) {
      const evidence = `${size} events on ${shown(times[0][1])} every ${cadence.meanS.toFixed(1)} s (cv ${cadence.cv.toFixed(3)}) from ${shown(event.ip, 64)}`
      tags.push(...countingTags(rule, event, evidence, attackVersion))
    }

    entry.state.active = holds
  }

  return {changed, tags}
}

/** The mean gap (seconds) and its coefficient of variation over `times`, when it holds `size` events of one service. */
function cadenceOf(times: ReadonlyArray<readonly [number, string]>, size: number): undefined | {cv: number; meanS: number} {
  if (times.length < size || times.some(([, service]) => service !== times[0][1])) return undefined
  const gaps = times.slice(1).map(([ms], index) => ms - times[index][0])
  const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length
  if (mean <= 0) return undefined
  const variance = gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length
  return {cv: Math.sqrt(variance) / mean, meanS: mean / 1000}
}

/**
 * A stored state, checked: anything that is not one (a damaged row) starts over.
 */
export function readBeaconState(text: string): BeaconStateJson {
  try {
    const value = JSON.parse(text) as Partial<BeaconStateJson>
    const times = Array.isArray(value.times) ? value.times.filter((t): t is [number, string] => Array.isArray(t) && typeof t[0] === 'number' && typeof t[1] === 'string') : []
    return {active: value.active === true, times}
  } catch {
    return {active: false, times: []}
  }
}
