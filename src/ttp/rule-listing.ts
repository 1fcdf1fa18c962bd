/**
 * The rules as `decnet rules list` shows them, and the rule set with the
 * catalog it was checked against, as the `rules` commands load it.
 */
import type {LoadRulesOptions, RuleEntry, RuleOrigin, RuleSet, RuleState} from './rule-loader.js'
import type {RuleField} from './rule-schema.js'
import type {CountingInput, CountingRuleSet} from './auth/counting-rules.js'
import type {AppliedCounting, CountingEntry} from './auth/counting-state.js'
import type {RuleStateData} from './rule-state.js'

import {AttackCatalog, readCatalog} from './attack-catalog.js'
import {loadRules} from './rule-loader.js'
import {applyRuleState, EMPTY_RULE_STATE, RuleStateError} from './rule-state.js'
import {readRuleState} from './rule-state-store.js'
import {techniqueIndex} from './technique-check.js'
import {DEFAULT_AUTH_SETTINGS} from './auth/auth-settings.js'
import {checkCountingRules} from './auth/counting-rules.js'
import {applyCountingState} from './auth/counting-state.js'

/** One rule in a listing. */
export interface RuleListing {
  readonly id: string
  /** `pattern`: a rule file's rule, matched on one line's text; `counting`: a built-in rule that counts across lines. */
  readonly kind: 'counting' | 'pattern'
  readonly version: number
  /** The input kind the rule reads: a line's text (`command`, `http`), or, for a built-in counting rule, `auth`, `credential` or `behaviour`. */
  readonly field: CountingInput | RuleField
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
  /** A counting rule's thresholds and windows as shipped (a fleet's ttp worker option `authRules.NAME` changes them); null for a pattern rule or a counting rule without any. */
  readonly settings: null | Readonly<Record<string, number>>
  /** Where a fleet changes them: the ttp worker's option (`authRules.bruteForce`); null without settings. */
  readonly settingsOption: null | string
}

/** A rule set and the full catalog its techniques were checked against. */
export interface CheckedRules {
  readonly set: RuleSet
  readonly catalog: AttackCatalog
  /** The built-in counting rules, checked against the same catalog. */
  readonly counting: CountingRuleSet
  /** The counting rules with the same rule state applied. */
  readonly countingState: AppliedCounting
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
  const techniques = techniqueIndex(catalog)
  const counting = checkCountingRules(techniques)
  const set = await loadRules({...load, techniques})
  const withState = (state: RuleStateData, applied: RuleSet) => ({catalog, counting, countingState: applyCountingState(counting, state, now), set: applied})
  if (statePath === undefined) return withState(EMPTY_RULE_STATE, set)
  try {
    const state = await readRuleState(statePath)
    return withState(state, applyRuleState(set, state, now, statePath))
  } catch (error) {
    if (!stateProblems || !(error instanceof RuleStateError)) throw error
    const message = error.message.startsWith(`${statePath}: `) ? error.message.slice(statePath.length + 2) : error.message
    return withState(EMPTY_RULE_STATE, {...set, problems: [...set.problems, {message, path: statePath}]})
  }
}

/** Every rule that loaded, in load order, then the counting rules that passed their check (with their shipped settings). */
export function listRules(entries: readonly RuleEntry[], counting: readonly CountingEntry[] = []): RuleListing[] {
  const countingListings = counting.map(({confidenceCap, enabled, expires, rule, state}): RuleListing => ({
    confidence: rule.confidence,
    confidenceCap: confidenceCap ?? null,
    description: rule.description,
    enabled: enabled ?? null,
    expires: expires ?? null,
    field: rule.input,
    id: rule.id,
    kind: 'counting',
    origin: 'built-in',
    path: rule.path,
    settings: rule.settings === undefined ? null : {...DEFAULT_AUTH_SETTINGS[rule.settings]},
    settingsOption: rule.settings === undefined ? null : `authRules.${rule.settings}`,
    state,
    tactics: [...new Set(rule.emits.map((emit) => emit.tactic))],
    techniques: rule.emits.map((emit) => emit.subTechnique ?? emit.technique),
    version: rule.version,
  }))
  return [...entries.map(({confidenceCap, enabled, expires, origin, rule, state}): RuleListing => ({
    confidence: rule.confidence,
    confidenceCap: confidenceCap ?? null,
    enabled: enabled ?? null,
    expires: expires ?? null,
    description: rule.description,
    field: rule.field,
    id: rule.id,
    kind: 'pattern',
    origin,
    path: rule.path,
    settings: null,
    settingsOption: null,
    state,
    tactics: [...new Set(rule.emits.map((emit) => emit.tactic))],
    techniques: rule.emits.map((emit) => emit.subTechnique ?? emit.technique),
    version: rule.version,
  })), ...countingListings]
}

/**
 * A listing as an aligned table (a state the operator set says so: `disabled*`, `active (cap 0.5, until
 * 2027-02-01T00:00:00Z)`), then the counting rules' settings, one line each.
 */
export function formatRuleTable(listings: readonly RuleListing[]): string {
  const rows = [['RULE', 'VERSION', 'KIND', 'INPUT', 'TECHNIQUES', 'STATE', 'ORIGIN']]
  for (const rule of listings) rows.push([rule.id, String(rule.version), rule.kind, rule.field, rule.techniques.join(','), stateText(rule), rule.origin])
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  const table = rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '))
  const settled = listings.filter((rule) => rule.settings !== null)
  if (settled.length === 0) return `${table.join('\n')}\n`
  const width = Math.max(...settled.map((rule) => rule.id.length))
  const settings = settled.map((rule) => `  ${rule.id.padEnd(width)}  ${rule.settingsOption}: ${formatSettings(rule.settings!)}`)
  return `${table.join('\n')}\n\ncounting rules' settings (as shipped; a fleet changes them with its ttp worker's authRules option):\n${settings.join('\n')}\n`
}

/** A counting rule's settings as `failures 5, windowSeconds 300`. */
export function formatSettings(settings: Readonly<Record<string, number>>): string {
  return Object.entries(settings).map(([name, value]) => `${name} ${value}`).join(', ')
}

/** A rule's state with what the operator set: `*` when the operator switched it on or off, then its cap and expiry. */
function stateText(rule: RuleListing): string {
  const notes = [
    ...(rule.confidenceCap === null ? [] : [`cap ${rule.confidenceCap}`]),
    ...(rule.expires === null ? [] : [`until ${rule.expires.replace(/\.000Z$/, 'Z')}`]),
  ]
  return `${rule.state}${rule.enabled === null ? '' : '*'}${notes.length === 0 ? '' : ` (${notes.join(', ')})`}`
}
