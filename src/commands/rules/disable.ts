import type {RuleStateChangeResult} from '../../ttp/rule-state-change.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {rulesDirFlag} from '../../cli/rules-flags.js'
import {RULE_STATE_NOTE, ruleIdArg} from '../../cli/rule-state-args.js'
import {formatRuleStateChange, ruleStateTarget} from '../../cli/rule-state-target.js'
import {changeRuleState} from '../../ttp/rule-state-change.js'

/** `decnet rules disable RULE`: switch a rule off. */
export default class RulesDisable extends DecnetCommand {
  static override args = {rule: ruleIdArg}
  static override description = `Switches a rule off: the ttp worker no longer tags with it (tags it made stay). decnet rules enable RULE switches it back on.

${RULE_STATE_NOTE}`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> discovery.system-info',
    '<%= config.bin %> <%= command.id %> local.acme-backup --rules-dir /etc/decnet/rules --json',
    '<%= config.bin %> <%= command.id %> discovery.system-info && <%= config.bin %> fleet reload heavy',
  ]

  static override flags = {'rules-dir': rulesDirFlag}
  static override summary = 'Switch a tagging rule off (survives upgrades).'

  async run(): Promise<RuleStateChangeResult> {
    const {args, flags} = await this.parse(RulesDisable)
    const result = await changeRuleState(args.rule, {kind: 'disable'}, ruleStateTarget(this.config.dataDir, flags['rules-dir']))
    this.log(formatRuleStateChange(result))
    return result
  }
}
