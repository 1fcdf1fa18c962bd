/**
 * The counting rules over a handful of lines held in memory, with no state
 * before them: what `decnet rules test` shows for a sequence of log lines.
 * The same functions as the `ttp` tick, so a sequence tagged here is tagged
 * the same way by the worker (given no earlier lines of the same attackers).
 */
import type {NewTtpTag} from '../../db/schema.js'
import type {AuthFailure} from '../brute-force.js'
import type {AuthRow} from './auth-events.js'
import type {AuthRules} from './auth-rules.js'

import {classifyAuth} from '../../logs/auth.js'
import {bruteForceTags} from '../brute-force.js'
import {collectAuth, noAuthEvents} from './auth-events.js'
import {beaconTags} from './beaconing.js'
import {COUNTING_RULE_IDS} from './counting-rules.js'
import {stuffingTags} from './credential-stuffing.js'
import {defaultCredentialTags} from './default-credentials.js'
import {loginAfterBruteForceTags} from './login-after-brute-force.js'
import {sprayingTags} from './password-spraying.js'

/** A line to count: its row (ids in log order) and its fields. */
export interface CountedLine {
  readonly row: AuthRow & {readonly msg: null | string}
  readonly fields: Readonly<Record<string, unknown>>
}

/**
 * The counting tags of `lines`, in rule order.
 *
 * @example
 * ```ts
 * countLines(parsed.map((line, n) => ({fields: line.fields, row: {...}})), auth, '18.1')
 * ```
 */
export function countLines(lines: readonly CountedLine[], auth: AuthRules, attackVersion: null | string): NewTtpTag[] {
  const events = noAuthEvents()
  const failures: AuthFailure[] = []
  for (const {fields, row} of lines) {
    const failure = collectAuth(row, fields, classifyAuth({event_type: row.event_type, fields, msg: row.msg}), events)
    if (failure !== undefined) failures.push(failure)
  }

  const {rules, settings} = auth
  const tags: NewTtpTag[] = []
  const bruteForce = rules.get(COUNTING_RULE_IDS.bruteForce)
  if (bruteForce !== undefined) {
    tags.push(...bruteForceTags(failures, [], attackVersion, {confidence: bruteForce.confidence, threshold: settings.bruteForce.failures, windowMs: settings.bruteForce.windowSeconds * 1000}))
  }

  const rule = (id: string) => rules.get(id)
  const spraying = rule(COUNTING_RULE_IDS.spraying)
  if (spraying) tags.push(...sprayingTags(failures, [], spraying, settings, attackVersion))
  const loginAfter = rule(COUNTING_RULE_IDS.loginAfterBruteForce)
  if (loginAfter) tags.push(...loginAfterBruteForceTags(events.successes, failures, loginAfter, settings, attackVersion))
  const defaults = rule(COUNTING_RULE_IDS.defaultCredentials)
  if (defaults) tags.push(...defaultCredentialTags(events.credentials, auth.defaults, defaults, attackVersion))
  const stuffing = rule(COUNTING_RULE_IDS.stuffing)
  if (stuffing) tags.push(...stuffingTags(events.credentials, {pairs: new Map(), tagged: new Map()}, stuffing, attackVersion).tags)
  const beaconing = rule(COUNTING_RULE_IDS.beaconing)
  if (beaconing) tags.push(...beaconTags(events.activity, new Map(), beaconing, settings, attackVersion).tags)
  return tags
}
