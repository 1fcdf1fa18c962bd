/**
 * The rules a running ttp worker tags with (the pattern rules and the
 * counting rules, the rule state applied to both), reloaded on the
 * operator's word (`decnet fleet reload`, SIGHUP) and re-judged when a
 * rule's expiry comes.
 * A reload that meets an error (a rule file that is not JSON, a rule that
 * would be refused, a rule state that cannot be used, a catalog that cannot
 * be read) is refused: the worker says why and keeps the rules it had.
 */
import type {RuleProblem, RuleSet} from '../../ttp/rule-loader.js'
import type {AuthRules} from '../../ttp/auth/auth-rules.js'
import type {AppliedCounting} from '../../ttp/auth/counting-state.js'
import type {LoadedRules, RuleSource} from './loaded-rules.js'

import {Matcher} from '../../ttp/matcher.js'
import {formatRuleProblem, isRuleError} from '../../ttp/rule-loader.js'
import {applyRuleState, nextExpiry} from '../../ttp/rule-state.js'
import {applyCountingState, nextCountingExpiry} from '../../ttp/auth/counting-state.js'
import {loadRuleSource} from './loaded-rules.js'

/** Where the worker's rules come from, and how they load. */
export interface LiveRulesSource extends RuleSource {
  /** Loads the rules and their state (default: here, {@link loadRuleSource}; the worker loads them in a process of its own, see `loadRulesInChild`). */
  readonly load?: (source: RuleSource) => Promise<LoadedRules>
  /**
   * The counting rules as checked at start (every one that passed its catalog check, with its settings): the rule
   * state decides which of them run. They are code: a reload re-reads their state, never the rules.
   */
  readonly counting?: AuthRules
  /** Where lines go (default: the console; the fleet prefixes them with the worker's name). */
  readonly log?: (line: string) => void
  readonly warn?: (line: string) => void
  /** The clock for expiries (default `Date.now`). */
  readonly now?: () => number
}

/**
 * The worker's current rules and their matcher.
 *
 * @example
 * ```ts
 * const rules = await LiveRules.load({counting: auth, operatorDir, statePath: process.env.DECNET_RULE_STATE})
 * ctx.onReload?.(() => void rules.reload())
 * ttpTick(db, {auth: rules.auth(), matcher: rules.matcher()})
 * ```
 */
export class LiveRules {
  readonly #source: LiveRulesSource
  readonly #log: (line: string) => void
  readonly #warn: (line: string) => void
  readonly #now: () => number
  #loaded: LoadedRules
  #applied: RuleSet
  #matcher: Matcher
  #counting: AppliedCounting | undefined
  #auth: AuthRules | undefined
  #expiry: number | undefined
  #reloading: Promise<boolean> = Promise.resolve(true)

  private constructor(source: LiveRulesSource, loaded: LoadedRules) {
    this.#source = source
    this.#log = source.log ?? ((line) => console.log(line))
    this.#warn = source.warn ?? ((line) => console.warn(line))
    this.#now = source.now ?? Date.now
    this.#loaded = loaded
    this.#applied = this.#apply(loaded)
    this.#matcher = new Matcher(this.#applied.rules, {attackVersion: this.#applied.attackVersion})
    this.#counting = this.#applyCounting(loaded)
    this.#auth = this.#counting === undefined ? undefined : Object.freeze({...source.counting!, rules: this.#counting.rules})
    this.#expiry = this.#nextExpiry()
  }

  /**
   * Loads the rules at start: problems are reported and the rest loads (there is nothing older to keep); a
   * state file that cannot be used is reported and the rules run without it. `loaded`: what a load already
   * found (the worker's first load, which checks the counting rules too), else the rules are loaded here.
   *
   * @throws CatalogError when the catalog cannot be read; Error when the shipped pack cannot.
   */
  static async load(source: LiveRulesSource, loaded?: LoadedRules): Promise<LiveRules> {
    const first = loaded ?? (await loadSet(source))
    const live = new LiveRules(source, first)
    live.#report(live.#applied.problems, 'rule not loaded')
    if (first.stateError !== undefined) live.#warn(`rule state not used: ${first.stateError}`)
    return live
  }

  /** The rule set in force (rule state applied). */
  get set(): RuleSet {
    return this.#applied
  }

  /** The matcher to tag with now: a rule whose expiry has come is dropped first. */
  matcher(): Matcher {
    this.#expireDue()
    return this.#matcher
  }

  /** The counting rules to tag with now (a rule switched off or expired is absent); undefined without `source.counting`. */
  auth(): AuthRules | undefined {
    this.#expireDue()
    return this.#auth
  }

  /** How many rules run now: the pattern rules and the counting rules. */
  get active(): number {
    return this.#applied.rules.length + (this.#auth?.rules.size ?? 0)
  }

  #expireDue(): void {
    if (this.#expiry === undefined || this.#now() < this.#expiry) return
    const before = this.#activeIds()
    this.#use(this.#loaded)
    const after = this.#activeIds()
    const expired = [...before].filter((id) => !after.has(id))
    this.#log(`rules expired: ${expired.join(', ')}; ${this.active} rules active`)
  }

  #activeIds(): Set<string> {
    return new Set([...this.#applied.rules.map((rule) => rule.id), ...(this.#auth?.rules.keys() ?? [])])
  }

  /**
   * Reloads the rule files and the rule state; resolves true when the new set is in force, false when it was
   * refused (the old one still is). Reloads asked while one runs follow it, in order.
   */
  reload(): Promise<boolean> {
    this.#reloading = this.#reloading.then(() => this.#reloadOnce())
    return this.#reloading
  }

  async #reloadOnce(): Promise<boolean> {
    const before = this.active
    let loaded: LoadedRules
    try {
      loaded = await loadSet(this.#source)
    } catch (error) {
      this.#warn(`rules reload refused: ${(error as Error).message}; the ${before} rules active before keep running`)
      return false
    }

    const statePath = this.#source.statePath ?? 'rule state'
    const stateMessage = loaded.stateError?.startsWith(`${statePath}: `) ? loaded.stateError.slice(statePath.length + 2) : loaded.stateError
    const stateProblems: RuleProblem[] = stateMessage === undefined ? [] : [{message: stateMessage, path: statePath}]
    const errors = [...loaded.set.problems.filter((problem) => isRuleError(problem)), ...stateProblems]
    if (errors.length > 0) {
      for (const problem of errors) this.#warn(`rules reload refused: ${formatRuleProblem(problem)}`)
      this.#warn(`rules reload refused: ${errors.length} error${errors.length === 1 ? '' : 's'} (decnet rules check says the same); the ${before} rules active before keep running`)
      return false
    }

    this.#use(loaded)
    this.#report(this.#applied.problems, 'rule warning')
    const dir = this.#source.operatorDir ?? 'none'
    this.#log(`rules reloaded: ${this.active} rules active (was ${before}; ATT&CK ${this.#applied.attackVersion}; operator directory: ${dir})`)
    return true
  }

  #use(loaded: LoadedRules): void {
    this.#loaded = loaded
    this.#applied = this.#apply(loaded)
    this.#matcher = new Matcher(this.#applied.rules, {attackVersion: this.#applied.attackVersion})
    this.#counting = this.#applyCounting(loaded)
    this.#auth = this.#counting === undefined ? undefined : Object.freeze({...this.#source.counting!, rules: this.#counting.rules})
    this.#expiry = this.#nextExpiry()
  }

  #apply(loaded: LoadedRules): RuleSet {
    const path = this.#source.statePath
    return path === undefined ? loaded.set : applyRuleState(loaded.set, loaded.state, this.#now(), path)
  }

  /** The counting rules with the state applied (the same state as the pattern rules: one file, one load). */
  #applyCounting(loaded: LoadedRules): AppliedCounting | undefined {
    const base = this.#source.counting
    return base === undefined ? undefined : applyCountingState(base, loaded.state, this.#now())
  }

  #nextExpiry(): number | undefined {
    const times = [nextExpiry(this.#applied), this.#counting === undefined ? undefined : nextCountingExpiry(this.#counting)].filter((time) => time !== undefined)
    return times.length === 0 ? undefined : Math.min(...times)
  }

  #report(problems: readonly RuleProblem[], errorLabel: string): void {
    for (const problem of problems) this.#warn(`${isRuleError(problem) ? errorLabel : 'rule warning'}: ${formatRuleProblem(problem)}`)
  }
}

async function loadSet(source: LiveRulesSource): Promise<LoadedRules> {
  const load = source.load ?? loadRuleSource
  return load({operatorDir: source.operatorDir, statePath: source.statePath})
}
