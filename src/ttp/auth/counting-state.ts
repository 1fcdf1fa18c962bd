/**
 * The operator's rule state applied to the counting rules, exactly as it is
 * to the pattern rules (`applyRuleState`): a rule switched off, or whose
 * expiry has come, does not run; a cap lowers its confidence (and each
 * technique's) to it. Counting rules are code, never disabled by a file, so
 * `enable` only undoes `disable`.
 */
import type {RuleState} from '../rule-loader.js'
import type {RuleStateData, RuleStateEntry} from '../rule-state.js'
import type {CountingRule, CountingRuleSet} from './counting-rules.js'

/** One counting rule with the operator's state for it. */
export interface CountingEntry {
  /** The rule as it runs (capped when the state caps it). */
  readonly rule: CountingRule
  /** `active`, `disabled` (switched off) or `expired`. */
  readonly state: Exclude<RuleState, 'overridden'>
  readonly enabled?: boolean
  readonly confidenceCap?: number
  readonly expires?: string
}

/** The counting rules with a rule state applied. */
export interface AppliedCounting {
  /** Every counting rule that passed its catalog check, in shipped order, active or not. */
  readonly entries: readonly CountingEntry[]
  /** The active ones, by id, as a tick runs them. */
  readonly rules: ReadonlyMap<string, CountingRule>
}

/**
 * The counting rules of `counting` with `state` applied at `now` (ms since the epoch).
 *
 * @example
 * ```ts
 * const {rules} = applyCountingState(checkCountingRules(index), await readRuleState(path), Date.now())
 * rules.has('credential-access.brute-force') // false once `decnet rules disable credential-access.brute-force`
 * ```
 */
export function applyCountingState(counting: Pick<CountingRuleSet, 'rules'>, state: RuleStateData, now: number): AppliedCounting {
  const entries = [...counting.rules.values()].map((rule) => countingEntry(rule, state.rules[rule.id], now))
  return {entries, rules: new Map(entries.filter((entry) => entry.state === 'active').map((entry) => [entry.rule.id, entry.rule]))}
}

/** When the next active counting rule expires (ms since the epoch), if one does. */
export function nextCountingExpiry(applied: AppliedCounting): number | undefined {
  const times = applied.entries.filter((entry) => entry.state === 'active' && entry.expires !== undefined).map((entry) => Date.parse(entry.expires!))
  return times.length === 0 ? undefined : Math.min(...times)
}

/** `rule` with `operator`'s state for it at `now`. */
export function countingEntry(rule: CountingRule, operator: RuleStateEntry | undefined, now: number): CountingEntry {
  if (operator === undefined) return {rule, state: 'active'}
  const {confidenceCap: cap, enabled, expires} = operator
  let state: CountingEntry['state'] = enabled === false ? 'disabled' : 'active'
  if (state === 'active' && expires !== undefined && now >= Date.parse(expires)) state = 'expired'
  return {
    ...(cap === undefined ? {} : {confidenceCap: cap}),
    ...(enabled === undefined ? {} : {enabled}),
    ...(expires === undefined ? {} : {expires}),
    rule: cap === undefined ? rule : cappedCounting(rule, cap),
    state,
  }
}

function cappedCounting(rule: CountingRule, cap: number): CountingRule {
  const emits = rule.emits.map((emit) => (emit.confidence === undefined || emit.confidence <= cap ? emit : Object.freeze({...emit, confidence: cap})))
  return Object.freeze({...rule, confidence: Math.min(rule.confidence, cap), emits: Object.freeze(emits)})
}
