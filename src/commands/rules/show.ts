import type {RuleDetail} from '../../ttp/rule-detail.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {rulesDirFlag} from '../../cli/rules-flags.js'
import {ruleIdArg} from '../../cli/rule-state-args.js'
import {chooseCatalog} from '../../ttp/catalog-store.js'
import {ruleStatePath} from '../../ttp/rule-state-path.js'
import {formatRuleDetail, ruleDetail} from '../../ttp/rule-detail.js'
import {loadCheckedRules} from '../../ttp/rule-listing.js'

/** `decnet rules show RULE`: one rule in full. */
export default class RulesShow extends DecnetCommand {
  static override args = {rule: ruleIdArg}
  static override description = `Shows one rule in full, a pattern rule (a rule file's) or a built-in counting rule alike: its kind, the input it reads, its state (with what the operator's rule state set: switched on or off, a confidence cap, an expiry), its techniques with their names and tactics from the ATT&CK catalog in use and the confidence their tags carry, where it is defined, and what it reads: a pattern rule's pattern and examples, a counting rule's thresholds and windows (as shipped; a fleet changes them with its ttp worker's authRules option). The rule state is <%= config.dataDir %>/rule-state.json ($DECNET_RULE_STATE overrides).

Exits 0; 2 for an id with control characters; 8 when the rule state file cannot be used; 11 for a rule id no loaded rule has.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> credential-access.brute-force',
    '<%= config.bin %> <%= command.id %> discovery.system-info --json',
    '<%= config.bin %> <%= command.id %> local.acme-backup --rules-dir /etc/decnet/rules',
  ]

  static override flags = {'rules-dir': rulesDirFlag}
  static override summary = 'Show one tagging rule in full: techniques, state, pattern or settings.'

  async run(): Promise<RuleDetail> {
    const {args, flags} = await this.parse(RulesShow)
    const checked = await loadCheckedRules(chooseCatalog(this.config.dataDir).path, {operatorDir: flags['rules-dir'], statePath: ruleStatePath(this.config.dataDir)})
    const detail = ruleDetail(checked, args.rule)
    if (!this.jsonEnabled()) process.stdout.write(formatRuleDetail(detail))
    return detail
  }
}
