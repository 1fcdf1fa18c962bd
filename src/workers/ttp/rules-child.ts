/**
 * The ttp worker's loading process (a child process entry, see
 * `loadRulesInChild`): given where the rules come from (its first message),
 * reads the ATT&CK catalog once, loads and checks the rule pack and the
 * operator's rules against it (their patterns compiled, their examples run,
 * the ReDoS check), reads the rule state, checks the counting rules when
 * asked, sends the result and ends. What only the load needed (the catalog,
 * the patterns' analysis, the examples' compiled regular expressions, what
 * the allocator kept of it all) ends with the process.
 */
import type {CountingRuleSet} from '../../ttp/auth/counting-rules.js'
import type {LoadedRules, RuleSource} from './loaded-rules.js'

import {checkCountingRules} from '../../ttp/auth/counting-rules.js'
import {loadTechniqueIndex} from '../../ttp/rule-loader.js'
import {loadRuleSource} from './loaded-rules.js'

/** What the worker asks the loading process. */
export interface RulesRequest extends RuleSource {
  /** Check the counting rules too (at start; a reload keeps those it has). */
  readonly counting: boolean
}

/** What the loading process answers, once. */
export type RulesAnswer =
  | {readonly type: 'failed'; readonly message: string}
  | {readonly type: 'loaded'; readonly rules: LoadedRules; readonly counting?: CountingRuleSet}

// One request, one answer; then the channel closes and the process ends (also when the worker is gone already).
process.once('message', (request: RulesRequest) => {
  void load(request).then((answer) => {
    if (!process.connected) return
    process.send!(answer, () => {
      if (process.connected) process.disconnect()
    })
  })
})

async function load(request: RulesRequest): Promise<RulesAnswer> {
  try {
    const techniques = await loadTechniqueIndex()
    const rules = await loadRuleSource(request, techniques)
    return {rules, type: 'loaded', ...(request.counting ? {counting: checkCountingRules(techniques)} : {})}
  } catch (error) {
    return {message: (error as Error).message, type: 'failed'}
  }
}
