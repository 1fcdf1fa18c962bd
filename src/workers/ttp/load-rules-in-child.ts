/**
 * Loading the ttp worker's rules in a process that ends when they are loaded.
 *
 * Loading is what costs the worker most memory, and it does it once (and at
 * each reload): it parses the ATT&CK catalog, compiles every pattern and runs
 * its examples, and analyses each pattern for the ReDoS check. Done in the
 * worker, that left V8's code space holding the examples' compiled regular
 * expressions (5.5 MiB) and glibc's heap holding what the regular-expression
 * compiler and the analysis had freed, for good: the worker idles most of
 * its life. On a thread that ends, V8's part went with the thread but glibc
 * kept the thread's arena (8-21 MiB, measured). A process of its own returns
 * everything when it exits; the worker gets the result as data (node's
 * `advanced` IPC serialization, a structured clone: rules with their patterns
 * as fresh, not yet compiled, `RegExp`s). It costs a node start and a cold
 * JIT (1.3-1.9 s against 0.6-1.1 s in the worker, measured) and, for the
 * load's length, a second process; the worker's event loop is free meanwhile.
 */
import {fork} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import type {CountingRuleSet} from '../../ttp/auth/counting-rules.js'
import type {LoadedRules, RuleSource} from './loaded-rules.js'
import type {RulesAnswer, RulesRequest} from './rules-child.js'

/** What {@link loadRulesInChild} found. */
export interface ChildLoad {
  readonly rules: LoadedRules
  /** The counting rules checked against the catalog, when asked for. */
  readonly counting?: CountingRuleSet
}

/**
 * Loads `source`'s rules (and checks the counting rules when `counting`) in
 * a new process (node's default options, this process's environment: the
 * catalog in use), and resolves when it has exited.
 *
 * @example
 * ```ts
 * const {rules, counting} = await loadRulesInChild({operatorDir, statePath}, true)
 * ```
 * @throws Error with the loader's message (a catalog or shipped pack that cannot be read), or when the process fails.
 */
export async function loadRulesInChild(source: RuleSource, counting = false): Promise<ChildLoad> {
  const request: RulesRequest = {counting, operatorDir: source.operatorDir, statePath: source.statePath}
  const child = fork(fileURLToPath(new URL('rules-child.js', import.meta.url)), [], {
    execArgv: [],
    serialization: 'advanced',
    // its own output (a crash's) goes where the worker's does
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let answer: RulesAnswer | undefined
  child.once('message', (message: RulesAnswer) => {
    answer = message
  })
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (answer === undefined) reject(new Error(`the rule loading process ended without an answer (${signal ?? `exit code ${code}`})`))
      else resolve()
    })
    child.send(request)
  })
  const settled = answer as RulesAnswer
  if (settled.type === 'failed') throw new Error(settled.message)
  return settled.counting === undefined ? {rules: settled.rules} : {counting: settled.counting, rules: settled.rules}
}
