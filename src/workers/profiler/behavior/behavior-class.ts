/**
 * DECNET's behaviour classes, by its rule table (the order its code runs, not
 * its docstring's), and the beacon it reads off a `beaconing` class. Pure.
 */
import type {BehaviorClass} from '../../../attackers/attacker-behavior.js'

/** What the rules read. */
export interface ClassInput {
  /** Events counted. */
  eventCount: number
  /** Mean inter-arrival, seconds; null with fewer than two events. */
  meanIatS: null | number
  /** stdev / mean; null when the mean is 0. */
  cv: null | number
  /** Distinct services (logical: DECNET's helpers are not services of their own). */
  services: number
}

/**
 * The first rule that holds: unknown (n < 3 or no mean), slow_scan (S >= 2,
 * m >= 10, n >= 4), scanning ((S >= 3, m < 10) or (S >= 2, m < 2)),
 * brute_force (S = 1, n >= 8, m < 5, cv < 0.6), beaconing (cv < 0.35, m >= 5,
 * n >= 4), interactive (cv >= 0.5, m < 5, n >= 6), else mixed. A null cv
 * (every event at one instant) satisfies no cv condition.
 *
 * @example
 * ```ts
 * classifyBehavior({eventCount: 20, meanIatS: 60, cv: 0.1, services: 1}) // 'beaconing'
 * ```
 */
export function classifyBehavior({cv, eventCount: n, meanIatS: m, services: s}: ClassInput): BehaviorClass {
  if (n < 3 || m === null) return 'unknown'
  if (s >= 2 && m >= 10 && n >= 4) return 'slow_scan'
  if ((s >= 3 && m < 10) || (s >= 2 && m < 2)) return 'scanning'
  if (cv === null) return 'mixed'
  if (s === 1 && n >= 8 && m < 5 && cv < 0.6) return 'brute_force'
  if (cv < 0.35 && m >= 5 && n >= 4) return 'beaconing'
  if (cv >= 0.5 && m < 5 && n >= 6) return 'interactive'
  return 'mixed'
}

/** A beacon: the interval (seconds) and its jitter, as a percentage (cv × 100, 2 decimals). */
export interface Beacon {
  intervalS: number
  jitterPct: number
}

/** The beacon of a `beaconing` attacker (its mean inter-arrival and cv), else null. */
export function beaconOf(cls: BehaviorClass, meanIatS: null | number, cv: null | number): Beacon | null {
  if (cls !== 'beaconing' || meanIatS === null || cv === null) return null
  return {intervalS: meanIatS, jitterPct: Math.round(cv * 10_000) / 100}
}
