/**
 * Everything the `ttp` worker needs to run the counting rules: the rules that
 * passed the catalog check, their thresholds and windows, and the default
 * credentials list.
 */
import type {RuleProblem} from '../rule-loader.js'
import type {TechniqueIndex} from '../technique-check.js'
import type {AuthSettings} from './auth-settings.js'
import type {CountingRule, CountingRuleSet} from './counting-rules.js'
import type {DefaultCredentials} from './default-credentials.js'

import {authSettings, lookbackMs} from './auth-settings.js'
import {checkCountingRules} from './counting-rules.js'
import {readDefaultCredentials} from './default-credentials.js'

/** The counting rules as a tick runs them. */
export interface AuthRules {
  /** The active rules by id (refused ones are absent). */
  readonly rules: ReadonlyMap<string, CountingRule>
  readonly settings: AuthSettings
  readonly defaults: DefaultCredentials
  /** How far before a batch's failed and successful logins the tick reads earlier failures (see `lookbackMs`). */
  readonly lookbackMs: number
}

/**
 * Checks the counting rules against `index`, applies the settings `overrides`
 * (the worker's `authRules` option) and reads the default credentials.
 *
 * @throws NumberValueError or Error for bad overrides; Error when the default credentials list cannot be read.
 * @example
 * ```ts
 * const {auth, problems} = await loadAuthRules(await loadTechniqueIndex(), ctx.options.authRules)
 * ```
 */
export async function loadAuthRules(index: TechniqueIndex, overrides?: unknown, defaultsPath?: string): Promise<{auth: AuthRules; problems: readonly RuleProblem[]}> {
  return authRulesOf(checkCountingRules(index), overrides, defaultsPath)
}

/**
 * {@link loadAuthRules} from counting rules already checked (`checkCountingRules`: the ttp worker checks them
 * on its loading thread, with the rule pack).
 *
 * @throws NumberValueError or Error for bad overrides; Error when the default credentials list cannot be read.
 */
export async function authRulesOf(checked: CountingRuleSet, overrides?: unknown, defaultsPath?: string): Promise<{auth: AuthRules; problems: readonly RuleProblem[]}> {
  const settings = authSettings(overrides)
  const defaults = await readDefaultCredentials(defaultsPath)
  return {auth: Object.freeze({defaults, lookbackMs: lookbackMs(settings), rules: checked.rules, settings}), problems: checked.problems}
}
