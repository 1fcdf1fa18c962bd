import type {RuleStateChangeResult} from '../../ttp/rule-state-change.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {rulesDirFlag} from '../../cli/rules-flags.js'
import {RULE_STATE_NOTE, ruleIdArg} from '../../cli/rule-state-args.js'
import {formatRuleStateChange, ruleStateTarget} from '../../cli/rule-state-target.js'
import {changeRuleState} from '../../ttp/rule-state-change.js'

/** `decnet rules enable RULE`: switch a rule back on. */
export default class RulesEnable extends DecnetCommand {
  static override args = {rule: ruleIdArg}
  static override description = `Switches a rule on: undoes decnet rules disable, or switches on a rule its own file disables ("disabled": true). A cap or an expiry stays (decnet rules cap RULE none, decnet rules expire RULE never remove them).

${RULE_STATE_NOTE}`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> discovery.system-info',
    '<%= config.bin %> <%= command.id %> discovery.system-info --json',
  ]

  static override flags = {'rules-dir': rulesDirFlag}
  static override summary = 'Switch a tagging rule back on (survives upgrades).'

  async run(): Promise<RuleStateChangeResult> {
    const {args, flags} = await this.parse(RulesEnable)
    const result = await changeRuleState(args.rule, {kind: 'enable'}, ruleStateTarget(this.config.dataDir, flags['rules-dir']))
    this.log(formatRuleStateChange(result))
    return result
  }
}
