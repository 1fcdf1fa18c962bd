/**
 * The rules as `decnet rules list` shows them, and the rule set with the
 * catalog it was checked against, as the `rules` commands load it.
 */
import type {LoadRulesOptions, RuleEntry, RuleOrigin, RuleSet, RuleState} from './rule-loader.js'
import type {RuleField} from './rule-schema.js'

import {AttackCatalog, readCatalog} from './attack-catalog.js'
import {loadRules} from './rule-loader.js'
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
  readonly origin: RuleOrigin
  readonly path: string
  readonly description: string
}

/** A rule set and the full catalog its techniques were checked against. */
export interface CheckedRules {
  readonly set: RuleSet
  readonly catalog: AttackCatalog
}

/**
 * Loads the rules (see `loadRules`) checked against the catalog at `catalogPath`, keeping the catalog for names.
 *
 * @throws CatalogError when the catalog cannot be read.
 */
export async function loadCheckedRules(catalogPath: string, options: Omit<LoadRulesOptions, 'techniques'> = {}): Promise<CheckedRules> {
  const catalog = await readCatalog(catalogPath)
  return {catalog, set: await loadRules({...options, techniques: techniqueIndex(catalog)})}
}

/** Every rule that loaded, in load order. */
export function listRules(entries: readonly RuleEntry[]): RuleListing[] {
  return entries.map(({origin, rule, state}) => ({
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
  }))
}

/** A listing as an aligned table. */
export function formatRuleTable(listings: readonly RuleListing[]): string {
  const rows = [['RULE', 'VERSION', 'INPUT', 'TECHNIQUES', 'STATE', 'ORIGIN']]
  for (const rule of listings) rows.push([rule.id, String(rule.version), rule.field, rule.techniques.join(','), rule.state, rule.origin])
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return `${rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n')}\n`
}
