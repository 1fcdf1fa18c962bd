/**
 * The counting rules' part of a tick: the tags that depend on earlier lines
 * (brute force, spraying, a login after a brute force, credential stuffing,
 * beaconing) and on lists (default credentials), made inside the tick's
 * transaction from the batch, the failed logins looked back on, and the
 * state earlier ticks wrote (which this writes back).
 */
import type {Transaction} from 'kysely'

import type {Database, NewTtpTag} from '../../db/schema.js'
import type {AuthEvents} from '../../ttp/auth/auth-events.js'
import type {AuthRules} from '../../ttp/auth/auth-rules.js'
import type {AuthFailure} from '../../ttp/brute-force.js'
import type {AuthState} from './auth-state.js'

import {beaconTags} from '../../ttp/auth/beaconing.js'
import {COUNTING_RULE_IDS} from '../../ttp/auth/counting-rules.js'
import {stuffingTags} from '../../ttp/auth/credential-stuffing.js'
import {defaultCredentialTags} from '../../ttp/auth/default-credentials.js'
import {loginAfterBruteForceTags} from '../../ttp/auth/login-after-brute-force.js'
import {sprayingTags} from '../../ttp/auth/password-spraying.js'
import {bruteForceTags} from '../../ttp/brute-force.js'

/** What the counting pass reads of a batch. */
export interface CountedBatch {
  readonly failures: readonly AuthFailure[]
  readonly auth: AuthEvents
}

/**
 * The counting tags of a batch. Without `auth` (callers that predate the
 * counting rules) only the brute-force rule runs, with its default limits.
 *
 * @param history - earlier failed logins of the batch's failing and succeeding IPs, `auth.lookbackMs` before each.
 */
export async function countingPass(
  trx: Transaction<Database>,
  batch: CountedBatch,
  history: readonly AuthFailure[],
  attackVersion: null | string,
  auth: AuthRules | undefined,
  state: AuthState,
): Promise<NewTtpTag[]> {
  if (auth === undefined) return batch.failures.length === 0 ? [] : bruteForceTags(batch.failures, history, attackVersion)
  const {rules, settings} = auth
  const tags: NewTtpTag[] = []
  const rule = (id: string) => rules.get(id)
  const bruteForce = rule(COUNTING_RULE_IDS.bruteForce)
  if (bruteForce !== undefined && batch.failures.length > 0) {
    tags.push(...bruteForceTags(batch.failures, history, attackVersion, {confidence: bruteForce.confidence, threshold: settings.bruteForce.failures, windowMs: settings.bruteForce.windowSeconds * 1000}))
  }

  const spraying = rule(COUNTING_RULE_IDS.spraying)
  if (spraying !== undefined) tags.push(...sprayingTags(batch.failures, history, spraying, settings, attackVersion))
  const loginAfter = rule(COUNTING_RULE_IDS.loginAfterBruteForce)
  if (loginAfter !== undefined) tags.push(...loginAfterBruteForceTags(batch.auth.successes, [...history, ...batch.failures], loginAfter, settings, attackVersion))
  const defaults = rule(COUNTING_RULE_IDS.defaultCredentials)
  if (defaults !== undefined) tags.push(...defaultCredentialTags(batch.auth.credentials, auth.defaults, defaults, attackVersion))
  const stuffing = rule(COUNTING_RULE_IDS.stuffing)
  const uses = batch.auth.credentials
  if (stuffing !== undefined && uses.length > 0) {
    const current = await state.readStuffing(trx, uses.map((use) => use.pairKey), uses.map((use) => use.ip))
    const folded = stuffingTags(uses, current, stuffing, attackVersion)
    await state.writeStuffing(trx, current, folded.changes)
    tags.push(...folded.tags)
  }

  const beaconing = rule(COUNTING_RULE_IDS.beaconing)
  const events = batch.auth.activity
  if (beaconing !== undefined && events.length > 0) {
    const states = await state.readBeacons(trx, events.map((event) => event.ip))
    const folded = beaconTags(events, states, beaconing, settings, attackVersion)
    await state.writeBeacons(trx, states, folded.changed)
    tags.push(...folded.tags)
  }

  return tags
}
