/**
 * One load of the ttp worker's rules: the rule files and the operator's rule
 * state, read and checked together. The worker does it in a process of its
 * own (see `loadRulesInChild`); `LiveRules` applies what it found.
 */
import type {RuleSet} from '../../ttp/rule-loader.js'
import type {RuleStateData} from '../../ttp/rule-state.js'
import type {TechniqueIndex} from '../../ttp/technique-check.js'

import {loadRules} from '../../ttp/rule-loader.js'
import {EMPTY_RULE_STATE} from '../../ttp/rule-state.js'
import {readRuleState} from '../../ttp/rule-state-store.js'

/** Where the worker's rules come from. */
export interface RuleSource {
  /** An operator's rule directory, if any. */
  readonly operatorDir?: string
  /** The rule state file, if any. */
  readonly statePath?: string
}

/** What one load found. */
export interface LoadedRules {
  readonly set: RuleSet
  readonly state: RuleStateData
  /** Set when the state file could not be used (the rules loaded without it). */
  readonly stateError?: string
}

/**
 * Loads the rules of `source` (checked against `techniques`, default the
 * catalog in use) and reads its rule state; a state file that cannot be used
 * is reported in `stateError`, not thrown.
 *
 * @example
 * ```ts
 * const {set, state, stateError} = await loadRuleSource({operatorDir, statePath})
 * ```
 * @throws CatalogError when the catalog cannot be read; Error when the shipped pack cannot.
 */
export async function loadRuleSource(source: RuleSource, techniques?: TechniqueIndex): Promise<LoadedRules> {
  const set = await loadRules({operatorDir: source.operatorDir, techniques})
  if (source.statePath === undefined) return {set, state: EMPTY_RULE_STATE}
  try {
    return {set, state: await readRuleState(source.statePath)}
  } catch (error) {
    return {set, state: EMPTY_RULE_STATE, stateError: (error as Error).message}
  }
}
