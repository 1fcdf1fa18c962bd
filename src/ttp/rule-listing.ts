/**
 * The rules as `decnet rules list` shows them, and the rule set with the
 * catalog it was checked against, as the `rules` commands load it.
 */
import type {LoadRulesOptions, RuleEntry, RuleOrigin, RuleSet, RuleState} from './rule-loader.js'
import type {RuleField} from './rule-schema.js'
import type {CountingInput, CountingRuleSet} from './auth/counting-rules.js'

import {AttackCatalog, readCatalog} from './attack-catalog.js'
import {loadRules} from './rule-loader.js'
import {techniqueIndex} from './technique-check.js'
import {checkCountingRules} from './auth/counting-rules.js'

/** One rule in a listing. */
export interface RuleListing {
  readonly id: string
  readonly version: number
  /** The input kind the rule reads: a line's text (`command`, `http`), or, for a built-in counting rule, `auth`, `credential` or `behaviour`. */
  readonly field: CountingInput | RuleField
  /** Most specific ids, in the rule's order (`T1059.004`). */
  readonly techniques: readonly string[]
  readonly tactics: readonly string[]
  readonly confidence: number
  readonly state: RuleState
  readonly origin: RuleOrigin
  readonly path: string
  readonly description: string
}

/** A rule set and the full catalog its techniques were checked against. */
export interface CheckedRules {
  readonly set: RuleSet
  readonly catalog: AttackCatalog
  /** The built-in counting rules, checked against the same catalog. */
  readonly counting: CountingRuleSet
}

/**
 * Loads the rules (see `loadRules`) checked against the catalog at `catalogPath`, keeping the catalog for names.
 *
 * @throws CatalogError when the catalog cannot be read.
 */
export async function loadCheckedRules(catalogPath: string, options: Omit<LoadRulesOptions, 'techniques'> = {}): Promise<CheckedRules> {
  const catalog = await readCatalog(catalogPath)
  const techniques = techniqueIndex(catalog)
  return {catalog, counting: checkCountingRules(techniques), set: await loadRules({...options, techniques})}
}

/** Every rule that loaded, in load order, then the counting rules that passed their check. */
export function listRules(entries: readonly RuleEntry[], counting?: CountingRuleSet): RuleListing[] {
  const countingListings = [...(counting?.rules.values() ?? [])].map((rule): RuleListing => ({
    confidence: rule.confidence,
    description: rule.description,
    field: rule.input,
    id: rule.id,
    origin: 'built-in',
    path: rule.path,
    state: 'active',
    tactics: [...new Set(rule.emits.map((emit) => emit.tactic))],
    techniques: rule.emits.map((emit) => emit.subTechnique ?? emit.technique),
    version: rule.version,
  }))
  return [...entries.map(({origin, rule, state}): RuleListing => ({
    confidence: rule.confidence,
    description: rule.description,
    field: rule.field,
    id: rule.id,
    origin,
    path: rule.path,
    state,
    tactics: [...new Set(rule.emits.map((emit) => emit.tactic))],
    techniques: rule.emits.map((emit) => emit.subTechnique ?? emit.technique),
    version: rule.version,
  })), ...countingListings]
}

/** A listing as an aligned table. */
export function formatRuleTable(listings: readonly RuleListing[]): string {
  const rows = [['RULE', 'VERSION', 'INPUT', 'TECHNIQUES', 'STATE', 'ORIGIN']]
  for (const rule of listings) rows.push([rule.id, String(rule.version), rule.field, rule.techniques.join(','), rule.state, rule.origin])
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return `${rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n')}\n`
}
