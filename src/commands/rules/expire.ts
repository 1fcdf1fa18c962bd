import * as Args from '@oclif/core/args'

import type {RuleStateChangeResult} from '../../ttp/rule-state-change.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {rulesDirFlag} from '../../cli/rules-flags.js'
import {RULE_STATE_NOTE, ruleIdArg} from '../../cli/rule-state-args.js'
import {formatRuleStateChange, ruleStateTarget} from '../../cli/rule-state-target.js'
import {changeRuleState} from '../../ttp/rule-state-change.js'
import {parseExpiry} from '../../ttp/rule-state.js'

/** `decnet rules expire RULE DATE`: the rule stops firing after DATE. */
export default class RulesExpire extends DecnetCommand {
  static override args = {
    rule: ruleIdArg,
    date: Args.string({description: 'A day (2027-01-31: the rule fires through that day, UTC) or an instant with its offset (2027-01-31T18:00:00Z); never removes the expiry.', required: true}),
  }

  static override description = `Makes a rule stop firing after DATE: from then on it is expired (decnet rules list shows it), and a running ttp worker drops it at that moment, without a reload. For a rule written for one campaign, or a temporary exception. decnet rules expire RULE never removes the expiry.

${RULE_STATE_NOTE}`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> local.campaign-2026-12 2027-01-31',
    '<%= config.bin %> <%= command.id %> discovery.system-info 2027-01-31T18:00:00+01:00 --json',
    '<%= config.bin %> <%= command.id %> local.campaign-2026-12 never',
  ]

  static override flags = {'rules-dir': rulesDirFlag}
  static override summary = 'Make a tagging rule stop firing after a date (survives upgrades).'

  async run(): Promise<RuleStateChangeResult> {
    const {args, flags} = await this.parse(RulesExpire)
    const expires = args.date === 'never' ? null : parseExpiry(args.date)
    const result = await changeRuleState(args.rule, {expires, kind: 'expire'}, ruleStateTarget(this.config.dataDir, flags['rules-dir']))
    this.log(formatRuleStateChange(result))
    return result
  }
}
