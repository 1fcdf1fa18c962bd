import type {RuleStateChangeResult, RuleStateTarget} from '../ttp/rule-state-change.js'

import {chooseCatalog} from '../ttp/catalog-store.js'
import {ruleStatePath} from '../ttp/rule-state-path.js'

/** Where `decnet rules disable|enable|cap|expire` find the rules (the catalog in use, `--rules-dir`) and their state (`<data dir>/rule-state.json`). */
export function ruleStateTarget(dataDir: string, rulesDir: string | undefined): RuleStateTarget {
  return {catalogPath: chooseCatalog(dataDir).path, operatorDir: rulesDir, statePath: ruleStatePath(dataDir)}
}

/** One line saying what a change left: `rule ID (built-in): disabled; state in PATH (a running fleet picks it up with decnet fleet reload NAME)`. */
export function formatRuleStateChange(result: RuleStateChangeResult): string {
  const {confidenceCap, expires} = result.entry
  const notes = [
    ...(confidenceCap === undefined ? [] : [`confidence capped at ${confidenceCap}`]),
    ...(expires === undefined ? [] : [`expires ${expires}`]),
  ]
  const state = [result.state, ...notes].join(', ')
  return `rule ${result.id} (${result.origin}${result.kind === 'counting' ? ', counting' : ''}): ${state}; saved in ${result.path} (a running fleet picks it up with decnet fleet reload NAME)`
}
