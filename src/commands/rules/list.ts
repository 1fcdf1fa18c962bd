import type {RuleListing} from '../../ttp/rule-listing.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {rulesDirFlag} from '../../cli/rules-flags.js'
import {chooseCatalog} from '../../ttp/catalog-store.js'
import {ruleStatePath} from '../../ttp/rule-state-path.js'
import {formatRuleProblem} from '../../ttp/rule-loader.js'
import {formatRuleTable, listRules, loadCheckedRules} from '../../ttp/rule-listing.js'

/** `decnet rules list`: every rule the `ttp` worker would load. */
export default class RulesList extends DecnetCommand {
  static override description = `Lists the ATT&CK tagging rules as the ttp worker loads them: the shipped pack, then an operator's directory (--rules-dir, or $DECNET_RULES_DIR). For each: its id, version, the input kind it reads, the techniques it emits, its state (active; disabled by an operator's override or by decnet rules disable, marked * when the rule state switched it; expired after a date set with decnet rules expire; overridden by an operator's rule with a higher version), a confidence cap set with decnet rules cap, and its origin (built-in or user). Its kind: pattern (a rule file's rule, matched on one line's text) or counting: the built-in counting rules (brute force, password spraying, credential stuffing, default credentials, a login after a brute force, beaconing) come last, with their input kind (auth, credential or behaviour), their state like any rule's (decnet rules disable|enable|cap|expire reach them), then their thresholds and windows as shipped (--json: settings). The rule state is <%= config.dataDir %>/rule-state.json ($DECNET_RULE_STATE overrides). Rules that do not load are reported on stderr (\`decnet rules check\` says more).`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --rules-dir /etc/decnet/rules --json',
  ]

  static override flags = {'rules-dir': rulesDirFlag}
  static override summary = 'List the ATT&CK tagging rules, their techniques, state and origin.'

  async run(): Promise<RuleListing[]> {
    const {flags} = await this.parse(RulesList)
    const {counting, countingState, set} = await loadCheckedRules(chooseCatalog(this.config.dataDir).path, {operatorDir: flags['rules-dir'], statePath: ruleStatePath(this.config.dataDir)})
    for (const problem of [...set.problems, ...counting.problems]) this.logToStderr(`${problem.level ?? 'error'}: ${formatRuleProblem(problem)}`)
    const listings = listRules(set.entries, countingState.entries)
    if (!this.jsonEnabled()) process.stdout.write(formatRuleTable(listings))
    return listings
  }
}
