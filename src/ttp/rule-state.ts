/**
 * An operator's rule state: rules switched off (or on), confidence capped,
 * rules expiring at a date. It is data about rules, kept apart from the rule
 * files (`rule-state.json` in decnet's data directory), so it survives
 * upgrades of the shipped pack; a rule set is the rules as loaded with this
 * state applied ({@link applyRuleState}).
 */
import type {RuleEntry, RuleProblem, RuleSet} from './rule-loader.js'
import type {CompiledRule} from './rule-schema.js'

import {COUNTING_RULE_IDS} from './auth/counting-rules.js'

/** What an operator set for one rule; an absent key leaves the rule as its file defines it. */
export interface RuleStateEntry {
  /** false: switched off; true: switched on although its file says `"disabled": true`. */
  readonly enabled?: boolean
  /** The highest confidence its tags carry, in (0, 1]. */
  readonly confidenceCap?: number
  /** An ISO 8601 instant (UTC): from then on the rule no longer fires. */
  readonly expires?: string
}

/** The whole rule state, by rule id. */
export interface RuleStateData {
  readonly rules: Readonly<Record<string, RuleStateEntry>>
}

/** The state file's format version. */
export const RULE_STATE_VERSION = 1

/** Rules a state file may name at most (a bound on what a worker reads). */
export const MAX_STATE_RULES = 10_000

/** No state: every rule as its file defines it. */
export const EMPTY_RULE_STATE: RuleStateData = Object.freeze({rules: Object.freeze({})})

/** The rule state file cannot be used (not JSON, not a state file, a symbolic link, unreadable); the message names it. */
export class RuleStateError extends Error {
  override readonly name = 'RuleStateError'
}

/** A value given for a rule's state is not one (`--` a confidence outside (0, 1], a date that is not one, an id that is not one). */
export class RuleStateValueError extends Error {
  override readonly name = 'RuleStateValueError'
}

/** A rule id that no loaded rule has. */
export class UnknownRuleError extends Error {
  override readonly name = 'UnknownRuleError'
  readonly id: string

  constructor(id: string) {
    super(`unknown rule ${JSON.stringify(id)}: no loaded rule has this id`)
    this.id = id
  }
}

const ENTRY_KEYS: ReadonlySet<string> = new Set(['confidenceCap', 'enabled', 'expires'])
/** The built-in counting rules' ids: their state is applied by `applyCountingState`, never "not loaded" here. */
const COUNTING_IDS: ReadonlySet<string> = new Set(Object.values(COUNTING_RULE_IDS))
const MAX_ID_LENGTH = 200

/**
 * Reads the text of a state file (`{"version": 1, "rules": {"ID": {...}}}`).
 *
 * @throws RuleStateError naming `path`, the rule and what is wrong.
 */
export function parseRuleState(text: string, path: string): RuleStateData {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new RuleStateError(`${path}: the rule state is not JSON: ${(error as Error).message}`)
  }

  if (!isObject(value) || value.version !== RULE_STATE_VERSION || !isObject(value.rules)) {
    throw new RuleStateError(`${path}: expected a rule state ({"version": ${RULE_STATE_VERSION}, "rules": {...}})`)
  }

  const extra = Object.keys(value).find((key) => key !== 'version' && key !== 'rules')
  if (extra !== undefined) throw new RuleStateError(`${path}: unknown key ${show(extra)}`)
  const ids = Object.keys(value.rules)
  if (ids.length > MAX_STATE_RULES) throw new RuleStateError(`${path}: names ${ids.length} rules, at most ${MAX_STATE_RULES}`)
  const rules: Record<string, RuleStateEntry> = {}
  for (const id of ids) {
    try {
      checkRuleId(id)
      rules[id] = checkEntry(value.rules[id])
    } catch (error) {
      if (!(error instanceof RuleStateValueError)) throw error
      throw new RuleStateError(`${path} (rule ${show(id)}): ${error.message}`)
    }
  }

  return Object.freeze({rules: Object.freeze(rules)})
}

/** The text of a state file for `state` (ids sorted, so a diff shows what changed). */
export function formatRuleState(state: RuleStateData): string {
  const rules = Object.fromEntries(Object.keys(state.rules).sort().map((id) => [id, state.rules[id]]))
  return `${JSON.stringify({version: RULE_STATE_VERSION, rules}, null, 2)}\n`
}

/**
 * A confidence cap as an operator writes it: a number in (0, 1].
 *
 * @throws RuleStateValueError naming the value.
 */
export function parseConfidenceCap(text: string): number {
  const value = /^\s*(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN
  if (!(value > 0 && value <= 1)) throw new RuleStateValueError(`Expected a confidence in (0, 1] (such as 0.5), got ${show(text)}`)
  return value
}

/**
 * When a rule stops firing, as an operator writes it: a day (`2027-01-31`:
 * the rule fires through that day, UTC, and stops at the next midnight UTC)
 * or an instant with its offset (`2027-01-31T18:00:00Z`,
 * `2027-01-31T18:00+01:00`). Returns the instant, ISO 8601 in UTC.
 *
 * @throws RuleStateValueError naming the value.
 */
export function parseExpiry(text: string): string {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (day) {
    const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])]
    const start = Date.UTC(year, month - 1, date)
    const back = new Date(start)
    if (back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === date) {
      return new Date(start + 24 * 3600 * 1000).toISOString()
    }
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i.test(text)) {
    const ms = Date.parse(text)
    if (Number.isFinite(ms)) return new Date(ms).toISOString()
  }

  throw new RuleStateValueError(`Expected a date (2027-01-31) or an instant with its offset (2027-01-31T18:00:00Z), got ${show(text)}`)
}

/**
 * Checks that `id` can be a rule id (a bounded string of printable characters).
 *
 * @throws RuleStateValueError
 */
export function checkRuleId(id: string): void {
  if (id === '' || id.length > MAX_ID_LENGTH || /[\u0000-\u001F\u007F-\u009F\s]/.test(id)) {
    throw new RuleStateValueError(`Expected a rule id (such as discovery.system-info), got ${show(id)}`)
  }
}

/**
 * The rule set `set` with `state` applied at `now` (ms since the epoch):
 * a rule switched off is `disabled`, one whose expiry has come is
 * `expired`, a rule its file disables and the operator switched on is
 * `active`; a cap lowers the rule's confidence (and each technique's) to it.
 * A state entry naming no loaded rule (nor a built-in counting rule, see
 * `applyCountingState`) is a warning (it is kept: it applies again if the
 * rule comes back).
 *
 * @example
 * ```ts
 * const set = applyRuleState(await loadRules(), await readRuleState(path), Date.now(), path)
 * new Matcher(set.rules, {attackVersion: set.attackVersion})
 * ```
 */
export function applyRuleState(set: RuleSet, state: RuleStateData, now: number, statePath: string): RuleSet {
  const known = new Set([...set.entries.map((entry) => entry.rule.id), ...COUNTING_IDS])
  const problems: RuleProblem[] = [...set.problems]
  for (const id of Object.keys(state.rules)) {
    if (!known.has(id)) {
      problems.push({level: 'warning', message: 'the rule state names a rule that is not loaded (kept: it applies if the rule comes back)', path: statePath, rule: id})
    }
  }

  const entries = set.entries.map((entry) => withState(entry, state.rules[entry.rule.id], now))
  // the order the loader gave (an operator's override in its shipped rule's place), then rules the operator switched on
  const order = new Map(set.rules.map((rule, index) => [rule.id, index]))
  const active = entries.filter((entry) => entry.state === 'active')
  active.sort((a, b) => (order.get(a.rule.id) ?? order.size) - (order.get(b.rule.id) ?? order.size))
  return {...set, entries, problems, rules: active.map((entry) => entry.rule)}
}

/** When the next active rule of `set` expires (ms since the epoch), if one does. */
export function nextExpiry(set: RuleSet): number | undefined {
  const times = set.entries.filter((entry) => entry.state === 'active' && entry.expires !== undefined).map((entry) => Date.parse(entry.expires!))
  return times.length === 0 ? undefined : Math.min(...times)
}

function withState(entry: RuleEntry, operator: RuleStateEntry | undefined, now: number): RuleEntry {
  if (operator === undefined || entry.state === 'overridden') return entry
  const {confidenceCap: cap, enabled, expires} = operator
  const rule = cap === undefined ? entry.rule : capped(entry.rule, cap)
  let state = entry.state
  if (enabled === false) state = 'disabled'
  else if (enabled === true && state === 'disabled') state = 'active'
  if (state === 'active' && expires !== undefined && now >= Date.parse(expires)) state = 'expired'
  return {
    ...entry,
    ...(cap === undefined ? {} : {confidenceCap: cap}),
    ...(enabled === undefined ? {} : {enabled}),
    ...(expires === undefined ? {} : {expires}),
    rule,
    state,
  }
}

function capped(rule: CompiledRule, cap: number): CompiledRule {
  const emits = rule.emits.map((emit) => (emit.confidence === undefined || emit.confidence <= cap ? emit : Object.freeze({...emit, confidence: cap})))
  return Object.freeze({...rule, confidence: Math.min(rule.confidence, cap), emits: Object.freeze(emits)})
}

function checkEntry(value: unknown): RuleStateEntry {
  if (!isObject(value)) throw new RuleStateValueError('expected an object with enabled, confidenceCap or expires')
  const extra = Object.keys(value).find((key) => !ENTRY_KEYS.has(key))
  if (extra !== undefined) throw new RuleStateValueError(`unknown key ${show(extra)} (expected enabled, confidenceCap or expires)`)
  const {confidenceCap, enabled, expires} = value
  if (enabled !== undefined && typeof enabled !== 'boolean') throw new RuleStateValueError(`"enabled" must be true or false, got ${show(enabled)}`)
  if (confidenceCap !== undefined && !(typeof confidenceCap === 'number' && confidenceCap > 0 && confidenceCap <= 1)) {
    throw new RuleStateValueError(`"confidenceCap" must be a number in (0, 1], got ${show(confidenceCap)}`)
  }

  if (expires !== undefined && (typeof expires !== 'string' || parseExpiry(expires) !== expires)) {
    throw new RuleStateValueError(`"expires" must be an instant in UTC (2027-02-01T00:00:00.000Z), got ${show(expires)}`)
  }

  return Object.freeze({
    ...(enabled === undefined ? {} : {enabled}),
    ...(confidenceCap === undefined ? {} : {confidenceCap}),
    ...(expires === undefined ? {} : {expires}),
  })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A value for a message: JSON (control bytes escaped), at most 80 characters. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
