import * as Args from '@oclif/core/args'

import type {RuleProblem} from '../../ttp/rule-loader.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {rulesDirFlag} from '../../cli/rules-flags.js'
import {ExitCode} from '../../exit-codes.js'
import {chooseCatalog} from '../../ttp/catalog-store.js'
import {ruleStatePath} from '../../ttp/rule-state-path.js'
import {formatRuleProblem, isRuleError} from '../../ttp/rule-loader.js'
import {loadCheckedRules} from '../../ttp/rule-listing.js'

/** What `decnet rules check` found. */
export interface RulesCheckResult {
  /** The ATT&CK release the techniques were checked against. */
  readonly attackVersion: string
  /** Rules that loaded (active or not). */
  readonly rules: number
  /** Rules or files refused. */
  readonly errors: readonly RuleProblem[]
  /** Rules that load but need attention (a revoked or deprecated technique). */
  readonly warnings: readonly RuleProblem[]
}

/** `decnet rules check [DIR]`: check rule files before a fleet loads them. */
export default class RulesCheck extends DecnetCommand {
  static override args = {
    dir: Args.string({description: 'A directory of *.json rule files to check with the shipped pack (default: --rules-dir, else only the shipped pack).'}),
  }

  static override description = `Checks rules as the ttp worker loads them, and says what it would refuse: the schema (keys, id, version, flags, emits), each pattern's regular-expression safety (no catastrophic backtracking), each rule's own examples (every examples.match must match, every examples.noMatch must not), and every technique and tactic it emits against the ATT&CK catalog in use; and the operator's rule state (<%= config.dataDir %>/rule-state.json): a file that cannot be used is an error, an entry naming a rule that does not load is a warning. An unknown technique is an error; one the catalog revoked is a warning naming its successor (the rule still loads, tagged with the successor): update the id.

Exits ${ExitCode.FAILURE} when a rule or file would be refused, 0 otherwise (warnings included).`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> /etc/decnet/rules',
    '<%= config.bin %> <%= command.id %> ./my-rules --json',
  ]

  static override flags = {'rules-dir': rulesDirFlag}
  static override summary = 'Check rule files: schema, regex safety, examples, ATT&CK technique ids.'

  async run(): Promise<RulesCheckResult> {
    const {args, flags} = await this.parse(RulesCheck)
    const {set} = await loadCheckedRules(chooseCatalog(this.config.dataDir).path, {operatorDir: args.dir ?? flags['rules-dir'], stateProblems: true, statePath: ruleStatePath(this.config.dataDir)})
    const errors = set.problems.filter((problem) => isRuleError(problem))
    const warnings = set.problems.filter((problem) => !isRuleError(problem))
    const result = {attackVersion: set.attackVersion, errors, rules: set.entries.length, warnings}
    if (!this.jsonEnabled()) {
      for (const problem of set.problems) this.log(`${isRuleError(problem) ? 'error' : 'warning'}: ${formatRuleProblem(problem)}`)
      this.log(`${set.entries.length} rules loaded (ATT&CK ${set.attackVersion}): ${errors.length} refused, ${warnings.length} warnings`)
    }

    if (errors.length > 0) process.exitCode = ExitCode.FAILURE
    return result
  }
}
