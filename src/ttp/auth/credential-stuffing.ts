/**
 * Credential stuffing: a credential (kind, principal, secret) used on more
 * than one target (decky and service) or by more than one attacker, as
 * DECNET's credential reuse counts it (at least 2 distinct targets), plus
 * the attackers: a leaked pair tried from several addresses.
 *
 * Folded one credential use at a time in log-id order. Per credential, a
 * {@link PairSummary} keeps its first use and the first use that *spread*
 * it (another attacker, or another target). A use `u` is tagged when the
 * credential has spread at or before `u` (by id) and `u`'s attacker has not
 * been tagged at a lower id: each attacker once, on its first use of a
 * credential after that credential spread (the attacker that spread it is
 * tagged on that use; the first attacker, if it comes back). Once, not once
 * per credential: a bot working through a shared list would otherwise get a
 * tag for nearly every attempt. Everything about `u`
 * depends on uses with ids up to its own, so tick boundaries, restarts and
 * replays (the summaries keep the lowest ids) give the same tags.
 */
import type {NewTtpTag} from '../../db/schema.js'
import type {CredentialUse} from './auth-events.js'
import type {CountingRule} from './counting-rules.js'

import {countingTags, shortHash, shown} from './counting-tag.js'

/** Where a credential was first used, and the first use that spread it (see the module's doc). */
export interface PairSummary {
  firstLogId: number
  firstIp: string
  firstTarget: string
  spreadLogId: null | number
}

/** The state the fold reads and moves: summaries by pair key, and the tagged use by attacker IP. */
export interface StuffingState {
  readonly pairs: Map<string, PairSummary>
  readonly tagged: Map<string, number>
}

/** What a fold changed, to be written back. */
export interface StuffingChanges {
  /** Pair keys whose summary changed. */
  readonly pairs: Set<string>
  /** Attacker IPs newly tagged. */
  readonly tagged: Set<string>
}

/**
 * Folds `uses` (in id order) into `state` and returns the tags and what changed.
 *
 * @example
 * ```ts
 * const state = {pairs: await readPairs(keys), tagged: await readTagged(keys)}
 * const {tags, changes} = stuffingTags(uses, state, rule, '18.1')
 * ```
 */
export function stuffingTags(
  uses: readonly CredentialUse[],
  state: StuffingState,
  rule: CountingRule,
  attackVersion: null | string,
): {changes: StuffingChanges; tags: NewTtpTag[]} {
  const changes: StuffingChanges = {pairs: new Set(), tagged: new Set()}
  const tags: NewTtpTag[] = []
  for (const use of [...uses].sort((a, b) => a.id - b.id)) {
    let pair = state.pairs.get(use.pairKey)
    if (pair === undefined) {
      pair = {firstIp: use.ip, firstLogId: use.id, firstTarget: use.target, spreadLogId: null}
      state.pairs.set(use.pairKey, pair)
      changes.pairs.add(use.pairKey)
    } else if (use.id > pair.firstLogId && (use.ip !== pair.firstIp || use.target !== pair.firstTarget) && (pair.spreadLogId === null || use.id < pair.spreadLogId)) {
      pair.spreadLogId = use.id
      changes.pairs.add(use.pairKey)
    }

    if (pair.spreadLogId === null || pair.spreadLogId > use.id) continue
    const key = use.ip
    const tagged = state.tagged.get(key)
    if (tagged !== undefined && tagged < use.id) continue
    if (tagged === undefined) {
      state.tagged.set(key, use.id)
      changes.tagged.add(key)
    }

    const who = use.principal === null ? 'no principal' : `principal ${shown(use.principal)}`
    const evidence =
      `credential (${who}, ${shown(use.secretKind)}, ${shortHash(use.secretSha256)}) from ${shown(use.ip, 64)} on ${shown(use.target, 48)}; ` +
      `first used from ${shown(pair.firstIp, 64)} on ${shown(pair.firstTarget, 48)}`
    tags.push(...countingTags(rule, use, evidence, attackVersion))
  }

  return {changes, tags}
}
