/**
 * The brute-force counting rule: five or more failed authentications from one
 * IP within five minutes is Brute Force: Password Guessing (T1110.001).
 *
 * Precisely: for a failure `e`, `count(e)` is the number of failures from the
 * same IP with `id <= e.id` and a timestamp in `[e.time - 5 min, e.time]`.
 * `e` is tagged when `count(e) >= 5` and the failure `p` just before it (in
 * time, then id order, among those with `id < e.id`) had `count(p) < 5`:
 * one tag on the failure that crosses the threshold, none while the burst
 * stays above it, and a new one for a new burst after the rate has dropped.
 *
 * Everything about `e` depends only on rows with `id <= e.id`, so the result
 * does not depend on where tick boundaries fall or on replays. Deciding needs
 * the failures of the ten minutes before each new failure (five for `e`,
 * five more for `p`): see {@link LOOKBACK_MS}.
 */
import type {NewTtpTag} from '../db/schema.js'

import {tagId} from './matcher.js'

/** The rule's identity and parameters (it is code, not part of the JSON pack). */
export const BRUTE_FORCE_RULE = Object.freeze({
  confidence: 0.9,
  id: 'credential-access.brute-force',
  subTechnique: 'T1110.001',
  tactic: 'TA0006',
  technique: 'T1110',
  threshold: 5,
  version: 1,
  windowMs: 5 * 60_000,
})

/** The threshold and window of the rule (default: {@link BRUTE_FORCE_RULE}'s; the `ttp` worker's come from its auth settings). */
export interface BruteForceLimits {
  readonly threshold: number
  readonly windowMs: number
  /** The confidence its tags carry (default the rule's; lower when the operator's rule state caps it). */
  readonly confidence?: number
}

/** How far before a new failure the history must be read to decide on it (with the default limits). */
export const LOOKBACK_MS = 2 * BRUTE_FORCE_RULE.windowMs

/** One failed authentication. */
export interface AuthFailure {
  readonly id: number
  readonly ip: string
  readonly timestamp: string
  /** `timestamp` in epoch milliseconds. */
  readonly ms: number
  /** Who the login was for, when the line said (the spraying rule reads it). */
  readonly principal?: null | string
  /** SHA-256 (hex) of the secret tried, when the line carried one. */
  readonly secretSha256?: null | string
}

/**
 * The brute-force tags for the failures of one batch.
 *
 * @param fresh - the batch's failures (any IPs).
 * @param history - earlier failures (ids below the batch's) of the same IPs, at least {@link LOOKBACK_MS} before each fresh one.
 * @param attackVersion - the ATT&CK release recorded on the tags (null: unknown).
 * @example
 * ```ts
 * const tags = bruteForceTags(batchFailures, await lookback(batchFailures))
 * ```
 */
export function bruteForceTags(
  fresh: readonly AuthFailure[],
  history: readonly AuthFailure[],
  attackVersion: null | string = null,
  limits: BruteForceLimits = BRUTE_FORCE_RULE,
): NewTtpTag[] {
  const byIp = new Map<string, AuthFailure[]>()
  for (const failure of [...history, ...fresh]) {
    let list = byIp.get(failure.ip)
    if (list === undefined) byIp.set(failure.ip, (list = []))
    list.push(failure)
  }

  const freshIds = new Set(fresh.map((failure) => failure.id))
  const tags: NewTtpTag[] = []
  for (const failures of byIp.values()) {
    const ordered = dedupe(failures).sort((a, b) => a.ms - b.ms || a.id - b.id)
    for (const [at, failure] of ordered.entries()) {
      if (!freshIds.has(failure.id)) continue
      const crossed = crossing(ordered, at, limits)
      if (crossed) tags.push(tag(failure, crossed.count, crossed.first, attackVersion, limits.confidence ?? BRUTE_FORCE_RULE.confidence))
    }
  }

  return tags
}

/** When `ordered[at]` crosses the threshold: its count and the first failure of its window. */
function crossing(ordered: readonly AuthFailure[], at: number, limits: BruteForceLimits): undefined | {count: number; first: AuthFailure} {
  const {threshold, windowMs} = limits
  // Capped counts first: a long burst must not cost a full window scan per failure.
  if (windowCount(ordered, at, threshold, windowMs).count < threshold) return undefined
  const previous = previousVisible(ordered, at)
  if (previous !== undefined && windowCount(ordered, previous, threshold, windowMs).count >= threshold) return undefined
  return windowCount(ordered, at, Number.POSITIVE_INFINITY, windowMs)
}

/** Failures visible from `ordered[at]` (id not above its own) within the window ending at it, counted up to `cap`. */
function windowCount(ordered: readonly AuthFailure[], at: number, cap: number, windowMs: number): {count: number; first: AuthFailure} {
  const self = ordered[at]
  let count = 0
  let first = self
  // Later entries are later in time (outside the window) or later in id (not visible yet).
  for (let k = at; k >= 0 && count < cap && self.ms - ordered[k].ms <= windowMs; k--) {
    if (ordered[k].id > self.id) continue
    count++
    first = ordered[k]
  }

  return {count, first}
}

function previousVisible(ordered: readonly AuthFailure[], at: number): number | undefined {
  const self = ordered[at]
  for (let k = at - 1; k >= 0; k--) if (ordered[k].id < self.id) return k
  return undefined
}

function tag(failure: AuthFailure, count: number, first: AuthFailure, attackVersion: null | string, confidence: number): NewTtpTag {
  const rule = BRUTE_FORCE_RULE
  const seconds = Math.round((failure.ms - first.ms) / 1000)
  return {
    attack_version: attackVersion,
    attacker_ip: failure.ip,
    confidence,
    evidence: `${count} failed authentications from ${failure.ip} in ${seconds} s (first at ${first.timestamp})`,
    id: tagId(failure.id, rule.id, rule.subTechnique),
    log_id: failure.id,
    rule_id: rule.id,
    rule_version: rule.version,
    sub_technique_id: rule.subTechnique,
    tactic: rule.tactic,
    technique_id: rule.technique,
    timestamp: failure.timestamp,
  }
}

function dedupe(failures: AuthFailure[]): AuthFailure[] {
  const seen = new Set<number>()
  return failures.filter((failure) => !seen.has(failure.id) && seen.add(failure.id))
}
