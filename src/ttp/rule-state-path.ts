/**
 * Where an operator's rule state lives: `rule-state.json` in decnet's data
 * directory (beside collect.json), or the file `$DECNET_RULE_STATE` names.
 * Kept apart from the rule engine so the fleet master can name the file for
 * its workers without loading any of it.
 */
import {join} from 'node:path'

/** The setting naming the rule state file (the fleet sets it for its workers). */
export const RULE_STATE_ENV = 'DECNET_RULE_STATE'

/**
 * The rule state file in use: `$DECNET_RULE_STATE`, else `<dataDir>/rule-state.json`.
 *
 * @example
 * ```ts
 * ruleStatePath(this.config.dataDir) // '/home/op/.local/share/decnet/rule-state.json'
 * ```
 */
export function ruleStatePath(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[RULE_STATE_ENV] || join(dataDir, 'rule-state.json')
}

/** What a fleet adds to its workers' environment so that they read the operator's rule state. */
export function ruleStateEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {[RULE_STATE_ENV]: ruleStatePath(dataDir, env)}
}
