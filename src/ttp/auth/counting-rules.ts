/**
 * The built-in counting rules: the rules that read authentication events,
 * credentials and behaviour across lines rather than one line's text. They
 * are code (their inputs are counts, not patterns) but are listed, checked
 * against the ATT&CK catalog and reported like the rule pack: an unknown
 * technique refuses the rule (it does not run), a revoked one is replaced by
 * its successor with a warning.
 */
import type {RuleProblem} from '../rule-loader.js'
import type {RuleEmit} from '../rule-schema.js'
import type {TechniqueIndex} from '../technique-check.js'
import type {AuthSettings} from './auth-settings.js'

import {BRUTE_FORCE_RULE} from '../brute-force.js'
import {checkTechniques} from '../technique-check.js'

/** What a counting rule reads: authentication outcomes, credentials (principal and secret), or an attacker's timing. */
export type CountingInput = 'auth' | 'behaviour' | 'credential'

/** One built-in counting rule. */
export interface CountingRule {
  readonly id: string
  readonly version: number
  readonly input: CountingInput
  readonly description: string
  /** The default confidence; an emit may carry its own. */
  readonly confidence: number
  readonly emits: readonly Readonly<RuleEmit>[]
  /** Where it is defined, for listings (`built-in:NAME`). */
  readonly path: string
  /** Its thresholds and windows in the settings (`authRules.NAME` of the ttp worker), if it has any. */
  readonly settings?: keyof AuthSettings
}

/** The ids of the counting rules, for the code that runs them. */
export const COUNTING_RULE_IDS = Object.freeze({
  beaconing: 'command-and-control.beaconing',
  bruteForce: BRUTE_FORCE_RULE.id,
  defaultCredentials: 'initial-access.default-credentials',
  loginAfterBruteForce: 'initial-access.login-after-brute-force',
  spraying: 'credential-access.password-spraying',
  stuffing: 'credential-access.credential-stuffing',
})

const emit = (tactic: string, technique: string, subTechnique: null | string = null, confidence?: number): Readonly<RuleEmit> =>
  Object.freeze({subTechnique, tactic, technique, ...(confidence === undefined ? {} : {confidence})})

/** Every counting rule, as shipped. */
export const COUNTING_RULES: readonly CountingRule[] = Object.freeze(([
  {
    confidence: BRUTE_FORCE_RULE.confidence,
    description: 'Brute Force: Password Guessing: bruteForce.failures failed logins from one IP within bruteForce.windowSeconds',
    emits: [emit(BRUTE_FORCE_RULE.tactic, BRUTE_FORCE_RULE.technique, BRUTE_FORCE_RULE.subTechnique)],
    id: COUNTING_RULE_IDS.bruteForce,
    settings: 'bruteForce',
    input: 'auth',
    version: BRUTE_FORCE_RULE.version,
  },
  {
    confidence: 0.85,
    description: 'Brute Force: Password Spraying: one IP tries one secret on spraying.principals distinct principals within spraying.windowSeconds (failed logins)',
    emits: [emit('TA0006', 'T1110', 'T1110.003')],
    id: COUNTING_RULE_IDS.spraying,
    settings: 'spraying',
    input: 'credential',
    version: 1,
  },
  {
    confidence: 0.8,
    description: 'Brute Force: Credential Stuffing: a credential (principal and secret) already used on another decky or service, or by another attacker; each attacker once (its first use of a credential that spread)',
    emits: [emit('TA0006', 'T1110', 'T1110.004')],
    id: COUNTING_RULE_IDS.stuffing,
    input: 'credential',
    version: 1,
  },
  {
    confidence: 0.9,
    description: 'Valid Accounts: Default Accounts: a login attempt with a vendor default credential (data/credentials/default-credentials.json)',
    emits: [emit('TA0001', 'T1078', 'T1078.001')],
    id: COUNTING_RULE_IDS.defaultCredentials,
    input: 'credential',
    version: 1,
  },
  {
    confidence: 0.7,
    description: 'Valid Accounts after Brute Force: a successful login from an IP with loginAfterBruteForce.failures failed logins within loginAfterBruteForce.windowSeconds before it',
    emits: [emit('TA0001', 'T1078'), emit('TA0006', 'T1110', null, 0.8)],
    id: COUNTING_RULE_IDS.loginAfterBruteForce,
    settings: 'loginAfterBruteForce',
    input: 'auth',
    version: 1,
  },
  {
    confidence: 0.8,
    description: 'Application Layer Protocol (and Scheduled Transfer): the latest beaconing.events events of an IP on one service come at a steady cadence (mean gap at least beaconing.minIntervalSeconds, cv at most beaconing.maxJitter)',
    emits: [emit('TA0011', 'T1071'), emit('TA0010', 'T1029', null, 0.6)],
    id: COUNTING_RULE_IDS.beaconing,
    settings: 'beaconing',
    input: 'behaviour',
    version: 1,
  },
] satisfies Array<Omit<CountingRule, 'path'>>).map((rule): CountingRule => Object.freeze({...rule, emits: Object.freeze(rule.emits), path: `built-in:${rule.id}`})))

/** The counting rules that passed the catalog check (by id), and what the check said. */
export interface CountingRuleSet {
  readonly rules: ReadonlyMap<string, CountingRule>
  readonly problems: readonly RuleProblem[]
}

/**
 * Checks `rules` (default: every shipped one) against the catalog: a rule
 * emitting a technique or tactic the catalog does not know is refused (a
 * problem naming it); a revoked one runs as its successor, with a warning.
 *
 * @example
 * ```ts
 * const {rules, problems} = checkCountingRules(await loadTechniqueIndex())
 * rules.has('credential-access.password-spraying') // true with the shipped catalog
 * ```
 */
export function checkCountingRules(index: TechniqueIndex, rules: readonly CountingRule[] = COUNTING_RULES): CountingRuleSet {
  const checked = new Map<string, CountingRule>()
  const problems: RuleProblem[] = []
  for (const rule of rules) {
    const result = checkTechniques(rule, index)
    for (const message of result.warnings) problems.push({level: 'warning', message, path: rule.path, rule: rule.id})
    if (result.rule === undefined) problems.push({message: result.error!, path: rule.path, rule: rule.id})
    else checked.set(rule.id, result.rule)
  }

  return {problems, rules: checked}
}
