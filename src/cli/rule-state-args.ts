import * as Args from '@oclif/core/args'

/** The RULE argument of `decnet rules disable|enable|cap|expire`. */
export const ruleIdArg = Args.string({description: 'The id of a rule that loads (decnet rules list shows them), e.g. discovery.system-info.', required: true})

/** What every rule state command says about where the state lives and what survives. */
export const RULE_STATE_NOTE = `Every rule the ttp worker runs takes a state: the pattern rules (the shipped pack and --rules-dir) and the built-in counting rules (credential-access.brute-force, credential-access.password-spraying, credential-access.credential-stuffing, initial-access.default-credentials, initial-access.login-after-brute-force, command-and-control.beaconing; decnet rules list shows them all).

The rule state lives in <%= config.dataDir %>/rule-state.json ($DECNET_RULE_STATE overrides), apart from the rule files, so it survives upgrades of the shipped pack; it is written as a new file renamed over the old (never through a symbolic link). The ttp worker reads it when it starts and on decnet fleet reload NAME (or SIGHUP to the fleet's master).

Exits 0 when saved; 2 for a value that is not one; 8 when the state file cannot be used (a symbolic link, not JSON, not a rule state: it is left as is); 11 for a rule id no loaded rule has.`
