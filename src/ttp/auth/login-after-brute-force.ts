/**
 * A successful login after a brute force: Valid Accounts (T1078) plus the
 * Brute Force (T1110) it followed. A success `s` from IP `a` is tagged when
 * at least the threshold of failed logins from `a`, with `id < s.id` and a
 * time in `[s - window, s]`, came before it. Depends on rows with lower ids
 * only, so tick boundaries do not change it. A success with no such burst
 * before it is an ordinary login (or a lucky first guess): not tagged.
 */
import type {NewTtpTag} from '../../db/schema.js'
import type {AuthFailure} from '../brute-force.js'
import type {AuthSuccess} from './auth-events.js'
import type {AuthSettings} from './auth-settings.js'
import type {CountingRule} from './counting-rules.js'

import {countingTags, shown} from './counting-tag.js'

/**
 * The tags for a batch's successful logins, given every failure of their IPs
 * within the window before each (the batch's and earlier ticks').
 *
 * @example
 * ```ts
 * loginAfterBruteForceTags(batchSuccesses, [...lookback, ...batchFailures], rule, settings, '18.1')
 * ```
 */
export function loginAfterBruteForceTags(
  successes: readonly AuthSuccess[],
  failures: readonly AuthFailure[],
  rule: CountingRule,
  settings: AuthSettings,
  attackVersion: null | string,
): NewTtpTag[] {
  if (successes.length === 0) return []
  const byIp = new Map<string, Map<number, AuthFailure>>()
  for (const failure of failures) {
    let list = byIp.get(failure.ip)
    if (list === undefined) byIp.set(failure.ip, (list = new Map<number, AuthFailure>()))
    list.set(failure.id, failure)
  }

  const windowMs = settings.loginAfterBruteForce.windowSeconds * 1000
  const tags: NewTtpTag[] = []
  for (const success of successes) {
    let count = 0
    let first: AuthFailure | undefined
    for (const failure of byIp.get(success.ip)?.values() ?? []) {
      if (failure.id >= success.id || failure.ms > success.ms || success.ms - failure.ms > windowMs) continue
      count++
      if (first === undefined || failure.ms < first.ms) first = failure
    }

    if (count < settings.loginAfterBruteForce.failures || first === undefined) continue
    const who = success.principal === null ? '' : ` for ${shown(success.principal)}`
    const seconds = Math.round((success.ms - first.ms) / 1000)
    const evidence = `login succeeded${who} after ${count} failed logins from ${shown(success.ip, 64)} in ${seconds} s`
    tags.push(...countingTags(rule, success, evidence, attackVersion))
  }

  return tags
}
