/**
 * What `decnet rules disable|enable|cap|expire` do: check that the rule is
 * one that loads (a pattern rule, or a built-in counting rule), change its
 * entry in the rule state file, and say what the rule's state is now.
 */
import type {RuleOrigin, RuleState} from './rule-loader.js'
import type {RuleStateEntry} from './rule-state.js'

import {readCatalog} from './attack-catalog.js'
import {loadRules} from './rule-loader.js'
import {applyRuleState, checkRuleId, UnknownRuleError} from './rule-state.js'
import {updateRuleState} from './rule-state-store.js'
import {techniqueIndex} from './technique-check.js'
import {checkCountingRules} from './auth/counting-rules.js'
import {countingEntry} from './auth/counting-state.js'

/** One change to a rule's state; `null` clears a cap or an expiry. */
export type RuleStateChange =
  | {readonly kind: 'cap'; readonly cap: null | number}
  | {readonly kind: 'disable'}
  | {readonly kind: 'enable'}
  | {readonly kind: 'expire'; readonly expires: null | string}

/** Where the rules and their state are. */
export interface RuleStateTarget {
  /** The ATT&CK catalog the rules load against. */
  readonly catalogPath: string
  /** An operator's rule directory, if any. */
  readonly operatorDir?: string
  /** The rule state file. */
  readonly statePath: string
  /** When expiries are judged (default: now). */
  readonly now?: number
}

/** What a change did. */
export interface RuleStateChangeResult {
  readonly id: string
  /** The rule state file written. */
  readonly path: string
  /** The rule's entry in it now (empty: as its file defines it). */
  readonly entry: RuleStateEntry
  /** The rule's state now. */
  readonly state: RuleState
  readonly origin: RuleOrigin
  /** `pattern`: a rule file's rule; `counting`: a built-in counting rule. */
  readonly kind: 'counting' | 'pattern'
}

/**
 * Applies `change` to the rule `id`'s state in the file `target.statePath`.
 *
 * @example
 * ```ts
 * await changeRuleState('discovery.system-info', {kind: 'cap', cap: 0.4}, {catalogPath, statePath: ruleStatePath(dataDir)})
 * ```
 * @throws RuleStateValueError (not an id), UnknownRuleError (no loaded rule has it), RuleStateError (the file cannot be read or written), CatalogError.
 */
export async function changeRuleState(id: string, change: RuleStateChange, target: RuleStateTarget): Promise<RuleStateChangeResult> {
  checkRuleId(id)
  const techniques = techniqueIndex(await readCatalog(target.catalogPath))
  const now = target.now ?? Date.now()
  const counting = checkCountingRules(techniques).rules.get(id)
  if (counting !== undefined) {
    // code, never switched off by a file: enable only undoes disable
    const written = await updateRuleState(target.statePath, id, (current) => changed(current, change, false))
    return {entry: written, id, kind: 'counting', origin: 'built-in', path: target.statePath, state: countingEntry(counting, written, now).state}
  }

  const set = await loadRules({operatorDir: target.operatorDir, techniques})
  const entry = set.entries.find((candidate) => candidate.rule.id === id && candidate.state !== 'overridden')
  if (entry === undefined) throw new UnknownRuleError(id)
  const written = await updateRuleState(target.statePath, id, (current) => changed(current, change, entry.rule.disabled === true))
  const applied = applyRuleState(set, {rules: {[id]: written}}, now, target.statePath)
  const after = applied.entries.find((candidate) => candidate.rule.id === id && candidate.state !== 'overridden')!
  return {entry: written, id, kind: 'pattern', origin: after.origin, path: target.statePath, state: after.state}
}

function changed(current: RuleStateEntry, change: RuleStateChange, disabledByFile: boolean): RuleStateEntry {
  switch (change.kind) {
    case 'disable': {
      return {...current, enabled: false}
    }

    case 'enable': {
      // switched on explicitly only when its file switches it off; otherwise the operator's switch is simply gone
      return {...current, enabled: disabledByFile ? true : undefined}
    }

    case 'cap': {
      return {...current, confidenceCap: change.cap ?? undefined}
    }

    case 'expire': {
      return {...current, expires: change.expires ?? undefined}
    }
  }
}
