/**
 * An attacker's behaviour as `decnet attackers show` gives it (the `behavior`
 * member of its JSON); see docs/profiles.md, "Behaviour".
 */

/** What an attacker's timing looks like (DECNET's classes). */
export type BehaviorClass = 'beaconing' | 'brute_force' | 'interactive' | 'mixed' | 'scanning' | 'slow_scan' | 'unknown'

/** Every class, for checking an operator's `--behavior`. */
export const BEHAVIOR_CLASSES: readonly BehaviorClass[] = Object.freeze(['beaconing', 'brute_force', 'interactive', 'mixed', 'scanning', 'slow_scan', 'unknown'])

/** Inter-arrival statistics of the attacker's events (seconds, 3 decimals). */
export interface BehaviorTiming {
  /** Events counted (lines of services the attacker reached; DECNET's sniffer, prober and noise left out). */
  eventCount: number
  durationS: null | number
  meanIatS: null | number
  medianIatS: null | number
  stdevIatS: null | number
  minIatS: null | number
  maxIatS: null | number
  /** stdev / mean (4 decimals); null when the mean is 0 or there are fewer than two events. */
  cv: null | number
  /** Events that arrived too far out of time order to be placed among the others (not in the gap statistics). */
  unplaced: number
}

/** When the attacker looked around, and when it acted (ISO-8601 UTC, or null). */
export interface BehaviorPhases {
  reconStart: null | string
  reconEnd: null | string
  actionStart: null | string
  actionEnd: null | string
  /** actionStart − reconEnd in seconds, when the first action came after the last recon (DECNET's exfil latency); else null. */
  exfilLatencyS: null | number
  /** Lines carrying a payload of 1 MiB or more. */
  largePayloads: number
}

/** What DECNET's sniffer and prober saw of its TCP/IP stack. */
export interface BehaviorOs {
  guess: null | string
  hopDistance: null | number
  tcpFingerprint: null | Record<string, boolean | null | number | string>
}

/** The behaviour section of a profile. */
export interface AttackerBehavior {
  class: BehaviorClass
  /** Distinct services the class counted (DECNET's helpers folded into the service they serve). */
  serviceCount: number
  timing: BehaviorTiming
  beacon: null | {intervalS: number; jitterPct: number}
  toolGuesses: string[]
  phases: BehaviorPhases
  os: BehaviorOs
  retransmits: number
}
