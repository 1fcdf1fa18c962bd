/**
 * One rule in full, as `decnet rules show ID` prints it: what a listing says
 * (kind, input, state, origin), each technique with its catalog name and
 * tactic, the operator's state for it, and what it reads: a pattern rule's
 * pattern and examples, a counting rule's settings.
 */
import type {CheckedRules, RuleListing} from './rule-listing.js'
import type {RuleEmit} from './rule-schema.js'

import {formatSettings, listRules} from './rule-listing.js'
import {checkRuleId, UnknownRuleError} from './rule-state.js'

/** One technique a rule emits, with its catalog names and the confidence its tags carry. */
export interface DetailTechnique {
  readonly id: string
  readonly name: string
  readonly tactic: string
  readonly tacticName: string
  readonly confidence: number
}

/** One rule in full. */
export interface RuleDetail extends RuleListing {
  readonly emits: readonly DetailTechnique[]
  /** A pattern rule's pattern (its alternatives) and flags; null for a counting rule. */
  readonly pattern: null | readonly string[]
  readonly flags: null | string
  /** A pattern rule's own examples; null for a counting rule. */
  readonly examples: null | {readonly match: readonly string[]; readonly noMatch: readonly string[]}
  /** How to try it with `decnet rules test`. */
  readonly test: string
}

/**
 * The rule `id` of `checked` (an active or inactive rule; for an id an operator's rule overrides, the one that wins).
 *
 * @throws RuleStateValueError (not an id), UnknownRuleError (no loaded rule has it).
 * @example
 * ```ts
 * ruleDetail(await loadCheckedRules(catalogPath, {statePath}), 'credential-access.brute-force').settings // {failures: 5, windowSeconds: 300}
 * ```
 */
export function ruleDetail(checked: CheckedRules, id: string): RuleDetail {
  checkRuleId(id)
  const {catalog, countingState, set} = checked
  const counting = countingState.entries.find((entry) => entry.rule.id === id)
  const entry = counting === undefined ? set.entries.find((candidate) => candidate.rule.id === id && candidate.state !== 'overridden') : undefined
  const listing = counting === undefined ? (entry === undefined ? undefined : listRules([entry])[0]) : listRules([], [counting])[0]
  if (listing === undefined) throw new UnknownRuleError(id)
  const rule = counting?.rule ?? entry!.rule
  const emits = rule.emits.map((emit: Readonly<RuleEmit>): DetailTechnique => {
    const technique = emit.subTechnique ?? emit.technique
    return {
      confidence: emit.confidence ?? rule.confidence,
      id: technique,
      name: catalog.technique(technique)?.name ?? technique,
      tactic: emit.tactic,
      tacticName: catalog.tactic(emit.tactic)?.name ?? emit.tactic,
    }
  })
  if (entry === undefined) {
    const test = `a counting rule counts across DECNET log lines: grep 203.0.113.7 decnet.log | decnet rules test - --rule ${id}`
    return {...listing, emits, examples: null, flags: null, pattern: null, test}
  }

  const {examples, flags, pattern} = entry.rule
  const test = `decnet rules test ${entry.rule.field === 'command' ? "'COMMAND'" : "'<PRI>1 ... DECNET LOG LINE'"} --rule ${id}`
  return {...listing, emits, examples, flags: flags || null, pattern: typeof pattern === 'string' ? [pattern] : pattern, test}
}

/** A rule in full as text for a terminal (its texts escaped). */
export function formatRuleDetail(detail: RuleDetail): string {
  const lines = [
    `${detail.id} (v${detail.version}, ${detail.kind} rule, ${detail.origin}): ${shown(detail.description)}`,
    `  input       ${detail.field}`,
    `  state       ${stateLine(detail)}`,
    `  confidence  ${detail.confidence}`,
    `  source      ${shown(detail.path)}`,
    '  techniques',
    ...detail.emits.map((emit) => `    ${emit.id.padEnd(9)} ${emit.name}  [${emit.tactic} ${emit.tacticName}, confidence ${emit.confidence}]`),
  ]
  if (detail.settings !== null) lines.push(`  settings    ${formatSettings(detail.settings)} (as shipped; a fleet changes them with its ttp worker's ${detail.settingsOption} option)`)
  if (detail.pattern !== null) {
    lines.push(`  pattern${detail.flags === null ? '' : ` (flags ${detail.flags})`}`, ...detail.pattern.map((part) => `    ${shown(part)}`))
  }

  if (detail.examples !== null) {
    lines.push('  examples', ...detail.examples.match.map((text) => `    match     ${shown(text)}`), ...detail.examples.noMatch.map((text) => `    no match  ${shown(text)}`))
  }

  lines.push(`  test        ${detail.test}`)
  return `${lines.join('\n')}\n`
}

/** A rule file's text for a terminal: control characters as `\xNN`, backslashes as written (a pattern reads as in its file). */
function shown(text: string): string {
  return text.replace(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

function stateLine(detail: RuleDetail): string {
  const notes = [
    ...(detail.enabled === null ? [] : [`switched ${detail.enabled ? 'on' : 'off'} by the rule state`]),
    ...(detail.confidenceCap === null ? [] : [`confidence capped at ${detail.confidenceCap}`]),
    ...(detail.expires === null ? [] : [`expires ${detail.expires}`]),
  ]
  return `${detail.state}${notes.length === 0 ? '' : ` (${notes.join('; ')})`}`
}
