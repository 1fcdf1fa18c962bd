/**
 * Where an operator's rule state lives: `rule-state.json` in decnet's data
 * directory (beside collect.json), or the file `$DECNET_RULE_STATE` names.
 * Kept apart from the rule engine so the fleet master can name the file for
 * its workers without loading any of it.
 */
import {statSync, type Stats} from 'node:fs'
import {dirname, join} from 'node:path'

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

/** Who will read the file: a uid and the one group a dropped worker keeps. */
export interface RuleStateReader {
  readonly uid: number
  readonly gid: number
  /** For messages (`nobody`). */
  readonly name?: string
}

/**
 * Why `reader` (the workers' user under `decnet fleet --user`) could not read
 * the rule state file at `path`, judged by permission bits alone; undefined
 * when it can, or when there is no file. The fleet warns before it starts, so
 * that workers do not silently tag as if there were no rule state.
 *
 * @example
 * ```ts
 * ruleStateReadProblem('/root/.local/share/decnet/rule-state.json', {uid: 65534, gid: 65534, name: 'nobody'})
 * // 'user nobody cannot enter directory /root (mode 0700)'
 * ```
 */
export function ruleStateReadProblem(path: string, reader: RuleStateReader): string | undefined {
  if (statOrUndefined(path) === undefined) return undefined
  const who = reader.name ?? `uid ${reader.uid}`
  const dirs: string[] = []
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    dirs.unshift(dir)
    if (dir === dirname(dir)) break
  }

  for (const dir of dirs) {
    const stats = statOrUndefined(dir)
    if (stats !== undefined && !allows(stats, reader, 0o100)) return `user ${who} cannot enter directory ${dir} (mode ${modeOf(stats)})`
  }

  const stats = statOrUndefined(path)
  return stats === undefined || allows(stats, reader, 0o400) ? undefined : `user ${who} cannot read ${path} (mode ${modeOf(stats)})`
}

/** Whether the owner bit `userBit` (0o400 read, 0o100 search), or its group or other counterpart, lets `reader` in. */
function allows(stats: Stats, reader: RuleStateReader, userBit: number): boolean {
  if (stats.uid === reader.uid) return (stats.mode & userBit) !== 0
  if (stats.gid === reader.gid) return (stats.mode & (userBit >> 3)) !== 0
  return (stats.mode & (userBit >> 6)) !== 0
}

function modeOf(stats: Stats): string {
  return (stats.mode & 0o7777).toString(8).padStart(4, '0')
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    // missing (or not ours to stat): nothing to warn about here; the worker's own read says what went wrong
    return undefined
  }
}
