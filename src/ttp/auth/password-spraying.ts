/**
 * Password spraying: one attacker tries one secret against many principals.
 *
 * For a failed login `e` from IP `a` with secret `s`, `principals(e)` is the
 * number of distinct principals among the failures of `a` with secret `s`,
 * `id <= e.id`, and a time in `[e - window, e]`. `e` is tagged when
 * `principals(e)` reaches the threshold and the failure of `a` with `s` just
 * before it (time, then id, among `id < e.id`) had fewer: one tag per burst,
 * like the brute-force rule, and for the same reason independent of tick
 * boundaries. One account with many passwords is guessing, not spraying:
 * its count stays 1. Failures without a principal or a secret do not count.
 */
import type {NewTtpTag} from '../../db/schema.js'
import type {AuthFailure} from '../brute-force.js'
import type {AuthSettings} from './auth-settings.js'
import type {CountingRule} from './counting-rules.js'

import {countingTags, shortHash, shown} from './counting-tag.js'

/** Principals named in the evidence at most. */
const NAMED = 5

/**
 * The spraying tags for a batch's failures.
 *
 * @param fresh - the batch's failures.
 * @param history - earlier failures of the same IPs (at least two windows before each fresh one).
 * @example
 * ```ts
 * sprayingTags(batchFailures, lookback, rule, settings, '18.1')
 * ```
 */
export function sprayingTags(
  fresh: readonly AuthFailure[],
  history: readonly AuthFailure[],
  rule: CountingRule,
  settings: AuthSettings,
  attackVersion: null | string,
): NewTtpTag[] {
  const freshIds = new Set<number>()
  const byKey = new Map<string, AuthFailure[]>()
  for (const failure of fresh) if (counted(failure)) freshIds.add(failure.id)
  if (freshIds.size === 0) return []
  const seen = new Set<number>()
  for (const failure of [...history, ...fresh]) {
    if (!counted(failure) || seen.has(failure.id)) continue
    seen.add(failure.id)
    const key = `${failure.ip}\n${failure.secretSha256}`
    let list = byKey.get(key)
    if (list === undefined) byKey.set(key, (list = []))
    list.push(failure)
  }

  const windowMs = settings.spraying.windowSeconds * 1000
  const threshold = settings.spraying.principals
  const tags: NewTtpTag[] = []
  for (const list of byKey.values()) {
    if (!list.some((failure) => freshIds.has(failure.id))) continue
    const ordered = list.sort((a, b) => a.ms - b.ms || a.id - b.id)
    for (const [at, failure] of ordered.entries()) {
      if (!freshIds.has(failure.id)) continue
      const now = principals(ordered, at, windowMs)
      if (now.names.size < threshold) continue
      const previous = previousVisible(ordered, at)
      if (previous !== undefined && principals(ordered, previous, windowMs).names.size >= threshold) continue
      const named = [...now.names].slice(0, NAMED).map((name) => shown(name)).join(', ')
      const more = now.names.size > NAMED ? ', …' : ''
      const seconds = Math.round((failure.ms - now.first.ms) / 1000)
      const evidence = `${now.names.size} principals, 1 secret (${shortHash(failure.secretSha256!)}) from ${shown(failure.ip, 64)} in ${seconds} s: ${named}${more}`
      tags.push(...countingTags(rule, failure, evidence, attackVersion))
    }
  }

  return tags
}

function counted(failure: AuthFailure): boolean {
  return typeof failure.principal === 'string' && typeof failure.secretSha256 === 'string'
}

/** The distinct principals visible from `ordered[at]` within the window ending at it (in time order), and its first failure. */
function principals(ordered: readonly AuthFailure[], at: number, windowMs: number): {first: AuthFailure; names: Set<string>} {
  const self = ordered[at]
  const names: string[] = []
  let first = self
  for (let k = at; k >= 0 && self.ms - ordered[k].ms <= windowMs; k--) {
    if (ordered[k].id > self.id) continue
    names.push(ordered[k].principal!)
    first = ordered[k]
  }

  return {first, names: new Set(names.reverse())}
}

function previousVisible(ordered: readonly AuthFailure[], at: number): number | undefined {
  const self = ordered[at]
  for (let k = at - 1; k >= 0; k--) if (ordered[k].id < self.id) return k
  return undefined
}
