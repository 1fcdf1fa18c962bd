/**
 * Loading the ttp worker's rules on a thread that ends when they are loaded.
 *
 * Loading is the costliest thing the worker does for its memory, and it does
 * it once (and at each reload): it parses the ATT&CK catalog, compiles every
 * pattern and runs its examples, and analyses it for the ReDoS check. Done on
 * the worker's own thread, that left V8's code space holding the examples'
 * compiled regular expressions (5.5 MiB) and the allocator holding what the
 * regular-expression compiler and the analysis had freed, for good: the
 * worker idles most of its life. On a thread of its own, all of it goes when
 * the thread ends; the worker gets the result as data (structured clone:
 * rules with their patterns as fresh, not yet compiled, `RegExp`s).
 */
import {Worker} from 'node:worker_threads'

import type {CountingRuleSet} from '../../ttp/auth/counting-rules.js'
import type {LoadedRules, RuleSource} from './loaded-rules.js'
import type {RulesThreadAnswer, RulesThreadData} from './rules-thread.js'

/** What {@link loadRulesInThread} found. */
export interface ThreadLoad {
  readonly rules: LoadedRules
  /** The counting rules checked against the catalog, when asked for. */
  readonly counting?: CountingRuleSet
}

/**
 * Loads `source`'s rules (and checks the counting rules when `counting`) on a
 * new thread, and resolves when the thread has ended.
 *
 * @example
 * ```ts
 * const {rules, counting} = await loadRulesInThread({operatorDir, statePath}, true)
 * ```
 * @throws Error with the loader's message (a catalog or shipped pack that cannot be read), or when the thread fails.
 */
export async function loadRulesInThread(source: RuleSource, counting = false): Promise<ThreadLoad> {
  const data: RulesThreadData = {counting, operatorDir: source.operatorDir, statePath: source.statePath}
  const worker = new Worker(new URL('rules-thread.js', import.meta.url), {workerData: data})
  let answer: RulesThreadAnswer | undefined
  worker.once('message', (message: RulesThreadAnswer) => {
    answer = message
  })
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (answer === undefined) reject(new Error(`the rule loading thread ended without an answer (exit code ${code})`))
      else resolve()
    })
  })
  const settled = answer as RulesThreadAnswer
  if (settled.type === 'failed') throw new Error(settled.message)
  return settled.counting === undefined ? {rules: settled.rules} : {counting: settled.counting, rules: settled.rules}
}
