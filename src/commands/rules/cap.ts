import * as Args from '@oclif/core/args'

import type {RuleStateChangeResult} from '../../ttp/rule-state-change.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {rulesDirFlag} from '../../cli/rules-flags.js'
import {RULE_STATE_NOTE, ruleIdArg} from '../../cli/rule-state-args.js'
import {formatRuleStateChange, ruleStateTarget} from '../../cli/rule-state-target.js'
import {changeRuleState} from '../../ttp/rule-state-change.js'
import {parseConfidenceCap} from '../../ttp/rule-state.js'

/** `decnet rules cap RULE CONFIDENCE`: the highest confidence a rule's tags carry. */
export default class RulesCap extends DecnetCommand {
  static override args = {
    rule: ruleIdArg,
    confidence: Args.string({description: 'A number in (0, 1], e.g. 0.4; none removes the cap.', required: true}),
  }

  static override description = `Caps a rule's confidence: its new tags carry at most CONFIDENCE (the rule's own confidence and each technique's, where higher, are lowered to it). For a noisy rule you still want to see. decnet rules cap RULE none removes the cap.

${RULE_STATE_NOTE}`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> discovery.system-info 0.3',
    '<%= config.bin %> <%= command.id %> discovery.system-info none --json',
  ]

  static override flags = {'rules-dir': rulesDirFlag}
  static override summary = "Cap a tagging rule's confidence (survives upgrades)."

  async run(): Promise<RuleStateChangeResult> {
    const {args, flags} = await this.parse(RulesCap)
    const cap = args.confidence === 'none' ? null : parseConfidenceCap(args.confidence)
    const result = await changeRuleState(args.rule, {cap, kind: 'cap'}, ruleStateTarget(this.config.dataDir, flags['rules-dir']))
    this.log(formatRuleStateChange(result))
    return result
  }
}
