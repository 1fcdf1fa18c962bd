/**
 * The ttp worker's loading thread (a worker_threads entry, see
 * `loadRulesInThread`): reads the ATT&CK catalog once, loads and checks the
 * rule pack and the operator's rules against it (their patterns compiled,
 * their examples run, the ReDoS check), reads the rule state, checks the
 * counting rules when asked, posts the result and ends. What only the load
 * needed (the catalog, the patterns' analysis, the examples' compiled
 * regular expressions, the allocator's leftovers) goes with the thread.
 */
import {parentPort, workerData} from 'node:worker_threads'

import type {CountingRuleSet} from '../../ttp/auth/counting-rules.js'
import type {LoadedRules, RuleSource} from './loaded-rules.js'

import {checkCountingRules} from '../../ttp/auth/counting-rules.js'
import {loadTechniqueIndex} from '../../ttp/rule-loader.js'
import {loadRuleSource} from './loaded-rules.js'

/** What the worker hands the thread. */
export interface RulesThreadData extends RuleSource {
  /** Check the counting rules too (at start; a reload keeps those it has). */
  readonly counting: boolean
}

/** What the thread answers, once. */
export type RulesThreadAnswer =
  | {readonly type: 'failed'; readonly message: string}
  | {readonly type: 'loaded'; readonly rules: LoadedRules; readonly counting?: CountingRuleSet}

parentPort!.postMessage(await load(workerData as RulesThreadData))

async function load(data: RulesThreadData): Promise<RulesThreadAnswer> {
  try {
    const techniques = await loadTechniqueIndex()
    const rules = await loadRuleSource(data, techniques)
    return {rules, type: 'loaded', ...(data.counting ? {counting: checkCountingRules(techniques)} : {})}
  } catch (error) {
    return {message: (error as Error).message, type: 'failed'}
  }
}
