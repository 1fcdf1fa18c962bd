/**
 * `decnet rules test --rule ID`: one rule's hits only, and what it takes to
 * test it. A pattern rule reads one line's text; a counting rule counts
 * across DECNET log lines (authentications, credentials, timing), so it
 * cannot be tested on a command or a request: that is a usage error, said
 * as such.
 */
import type {RuleState} from './rule-loader.js'
import type {CheckedRules} from './rule-listing.js'
import type {RuleTestResult} from './rule-test.js'

import {DEFAULT_AUTH_SETTINGS} from './auth/auth-settings.js'
import {checkRuleId, UnknownRuleError} from './rule-state.js'
import {isLogInput, RuleInputError} from './rule-test.js'

/** A counting rule asked to be tested on an input that holds no DECNET log line. */
export class CountingRuleInputError extends RuleInputError {
  override readonly name = 'CountingRuleInputError'
}

/** The rule a test is limited to. */
export interface TestScope {
  readonly id: string
  readonly kind: 'counting' | 'pattern'
  /** Its state now: a rule that is not active does not fire. */
  readonly state: RuleState
}

/**
 * The rule `id` among `checked`'s, checked against `input`.
 *
 * @throws RuleStateValueError (not an id), UnknownRuleError (no loaded rule has it), CountingRuleInputError (a counting rule, and `input` holds no DECNET log line).
 * @example
 * ```ts
 * testScope('credential-access.brute-force', checked, 'uname -a') // throws CountingRuleInputError
 * ```
 */
export function testScope(id: string, checked: CheckedRules, input: string): TestScope {
  checkRuleId(id)
  const counting = checked.countingState.entries.find((entry) => entry.rule.id === id)
  if (counting !== undefined) {
    if (!isLogInput(input)) {
      const settings = counting.rule.settings === undefined ? '' : ` (${Object.entries(DEFAULT_AUTH_SETTINGS[counting.rule.settings]).map(([name, value]) => `${name} ${value}`).join(', ')})`
      throw new CountingRuleInputError(
        `${id} is a counting rule: it counts ${counting.rule.input} events across DECNET log lines${settings}, so it cannot be tested on one command or request; give it DECNET log lines, several on standard input: grep 203.0.113.7 decnet.log | decnet rules test - --rule ${id}`,
      )
    }

    return {id, kind: 'counting', state: counting.state}
  }

  const entry = checked.set.entries.find((candidate) => candidate.rule.id === id && candidate.state !== 'overridden')
  if (entry === undefined) throw new UnknownRuleError(id)
  return {id, kind: 'pattern', state: entry.state}
}

/** `result` with only `scope`'s hits, and the scope (so the output can say when the rule cannot fire). */
export function scopedResult(result: RuleTestResult, scope: TestScope): RuleTestResult {
  return {...result, hits: result.hits.filter((hit) => hit.rule === scope.id), rule: scope}
}
