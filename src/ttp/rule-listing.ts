/**
 * The rules as `decnet rules list` shows them, and the rule set with the
 * catalog it was checked against, as the `rules` commands load it.
 */
import type {LoadRulesOptions, RuleEntry, RuleOrigin, RuleSet, RuleState} from './rule-loader.js'
import type {RuleField} from './rule-schema.js'

import {AttackCatalog, readCatalog} from './attack-catalog.js'
import {loadRules} from './rule-loader.js'
import {applyRuleState, RuleStateError} from './rule-state.js'
import {readRuleState} from './rule-state-store.js'
import {techniqueIndex} from './technique-check.js'

/** One rule in a listing. */
export interface RuleListing {
  readonly id: string
  readonly version: number
  /** The input kind the rule reads. */
  readonly field: RuleField
  /** Most specific ids, in the rule's order (`T1059.004`). */
  readonly techniques: readonly string[]
  readonly tactics: readonly string[]
  readonly confidence: number
  readonly state: RuleState
  /** The operator's rule state: switched on or off (null: as its file says), its confidence cap, when it expires. */
  readonly enabled: boolean | null
  readonly confidenceCap: null | number
  readonly expires: null | string
  readonly origin: RuleOrigin
  readonly path: string
  readonly description: string
}

/** A rule set and the full catalog its techniques were checked against. */
export interface CheckedRules {
  readonly set: RuleSet
  readonly catalog: AttackCatalog
}

/** Where the `rules` commands load rules from: the rule files, and the operator's rule state. */
export interface CheckedRulesOptions extends Omit<LoadRulesOptions, 'techniques'> {
  /** The rule state file (see `ruleStatePath`); none when undefined. */
  statePath?: string
  /** The time the state's expiries are judged at (default: now). */
  now?: number
  /** A state file that cannot be used becomes an error among the set's problems (and the rules load without it), instead of a RuleStateError. */
  stateProblems?: boolean
}

/**
 * Loads the rules (see `loadRules`) checked against the catalog at
 * `catalogPath`, keeping the catalog for names, with the operator's rule
 * state applied (see `applyRuleState`).
 *
 * @throws CatalogError when the catalog cannot be read; RuleStateError when the rule state cannot.
 */
export async function loadCheckedRules(catalogPath: string, options: CheckedRulesOptions = {}): Promise<CheckedRules> {
  const {now = Date.now(), stateProblems, statePath, ...load} = options
  const catalog = await readCatalog(catalogPath)
  const set = await loadRules({...load, techniques: techniqueIndex(catalog)})
  if (statePath === undefined) return {catalog, set}
  try {
    return {catalog, set: applyRuleState(set, await readRuleState(statePath), now, statePath)}
  } catch (error) {
    if (!stateProblems || !(error instanceof RuleStateError)) throw error
    const message = error.message.startsWith(`${statePath}: `) ? error.message.slice(statePath.length + 2) : error.message
    return {catalog, set: {...set, problems: [...set.problems, {message, path: statePath}]}}
  }
}

/** Every rule that loaded, in load order. */
export function listRules(entries: readonly RuleEntry[]): RuleListing[] {
  return entries.map(({confidenceCap, enabled, expires, origin, rule, state}) => ({
    confidence: rule.confidence,
    confidenceCap: confidenceCap ?? null,
    enabled: enabled ?? null,
    expires: expires ?? null,
    description: rule.description,
    field: rule.field,
    id: rule.id,
    origin,
    path: rule.path,
    state,
    tactics: [...new Set(rule.emits.map((emit) => emit.tactic))],
    techniques: rule.emits.map((emit) => emit.subTechnique ?? emit.technique),
    version: rule.version,
  }))
}

/** A listing as an aligned table (a state the operator set says so: `disabled*`, `active (cap 0.5, until 2027-02-01T00:00:00Z)`). */
export function formatRuleTable(listings: readonly RuleListing[]): string {
  const rows = [['RULE', 'VERSION', 'INPUT', 'TECHNIQUES', 'STATE', 'ORIGIN']]
  for (const rule of listings) rows.push([rule.id, String(rule.version), rule.field, rule.techniques.join(','), stateText(rule), rule.origin])
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return `${rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n')}\n`
}

/** A rule's state with what the operator set: `*` when the operator switched it on or off, then its cap and expiry. */
function stateText(rule: RuleListing): string {
  const notes = [
    ...(rule.confidenceCap === null ? [] : [`cap ${rule.confidenceCap}`]),
    ...(rule.expires === null ? [] : [`until ${rule.expires.replace(/\.000Z$/, 'Z')}`]),
  ]
  return `${rule.state}${rule.enabled === null ? '' : '*'}${notes.length === 0 ? '' : ` (${notes.join(', ')})`}`
}
