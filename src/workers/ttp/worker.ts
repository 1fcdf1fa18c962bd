/**
 * The TTP worker of the `heavy` fleet: tags new log lines with MITRE ATT&CK
 * techniques, tick after tick, until told to stop. It opens its own database
 * connection (to its context's `database`) in the child, never in the master.
 */
import type {Kysely} from 'kysely'

import type {Database} from '../../db/schema.js'
import type {WorkerContext} from '../../prefork/worker.js'
import type {TtpTickOptions} from './tick.js'
import type {AuthRules} from '../../ttp/auth/auth-rules.js'
import type {RuleSource} from './loaded-rules.js'

import {positiveNumber} from '../../util/positive-number.js'
import {loopSettings} from '../loop-settings.js'
import {contextDatabase, runWorkerLoop} from '../run-worker-loop.js'
import {FailureMemory} from './failure-memory.js'
import {formatRuleProblem, isRuleError, RULES_DIR_ENV} from '../../ttp/rule-loader.js'
import {RULE_STATE_ENV} from '../../ttp/rule-state-path.js'
import {authRulesOf} from '../../ttp/auth/auth-rules.js'
import {YoungGarbage} from '../young-garbage.js'
import {loadRulesInChild} from './load-rules-in-child.js'
import {AuthState} from './auth-state.js'
import {LiveRules} from './live-rules.js'
import {TagWriter} from './tag-writer.js'
import {AlertQueue, reportDrop} from '../alerts/alert-queue.js'
import {DEFAULT_BATCH_SIZE, TTP_CURSOR, ttpDrain} from './tick.js'

/** Seconds between passes unless the fleet says otherwise. */
export const DEFAULT_INTERVAL_SECONDS = 60

/**
 * Runs the TTP tagger. Options: `interval` (seconds between passes, default
 * 60), `batchSize` (lines per tick, default 5000) and `rulesDir` (an
 * operator's rule directory; default `$DECNET_RULES_DIR`), `authRules` (the
 * counting rules' thresholds and windows, see `authSettings`), `alerts` (`{maxQueue}`:
 * queue an alert for each technique an attacker did not have; `--webhook` sets it), and the loop's
 * `leaseSeconds` / `dbRetrySeconds` (see `loopSettings`). The operator's rule
 * state (`$DECNET_RULE_STATE`, which `decnet fleet` sets) is applied, to
 * the pattern rules and the counting rules alike. Rule
 * files that cannot be used are reported on stderr, with their path and why;
 * the other rules still run. On a reload (`ctx.onReload`: `decnet fleet
 * reload`, SIGHUP) it loads the rules and their state again and uses them from
 * the next pass on, unless they hold an error (see `LiveRules`); the counting
 * rules take the new state (their code and `authRules` settings stay as they
 * started). Only the instance holding the `ttp` lease tags lines;
 * others stand by. Under `once`, it drains everything pending and returns.
 *
 * @example
 * ```ts
 * // what the child entry does for the `ttp` worker of `heavy`:
 * await ttp({name: 'ttp', fleet: 'heavy', options: {interval: 60}, once: true, signal, debug, ready})
 * ```
 */
export default async function ttp(ctx: WorkerContext): Promise<void> {
  const database = contextDatabase(ctx, 'the ttp worker')
  const settings = loopSettings(ctx.options, ctx.once, DEFAULT_INTERVAL_SECONDS)
  const batchSize = Math.floor(positiveNumber(ctx.options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize'))
  const {auth, rules} = await loadAllRules(ctx)
  const alerts = AlertQueue.fromOption(ctx.options.alerts, reportDrop)
  const garbage = new YoungGarbage()
  garbage.collectAll() // what the start left: the worker idles until its first pass, maybe long
  ctx.onReload?.(() => void rules.reload().then(() => garbage.collectAll()))
  await runWorkerLoop(ctx, {
    kind: TTP_CURSOR,
    prepare(db) {
      const tick = {alerts, auth, authState: new AuthState(), batchSize, memory: new FailureMemory(auth.lookbackMs), writer: new TagWriter()}
      // the rules of the moment, for the whole drain (a reload takes effect at the next pass)
      return (signal) => drain(db, ctx, signal, {...tick, auth: rules.auth() ?? auth, matcher: rules.matcher()})
    },
    settings,
    database,
  })
}

/**
 * The rule pack (with the operator's rules and rule state) and the counting rules, checked against the catalog in
 * use, with the `authRules` option applied (a bad value throws, naming it). They load in a process of their own
 * that ends (see `loadRulesInChild`), at start and at each reload.
 */
async function loadAllRules(ctx: WorkerContext): Promise<{auth: AuthRules; rules: LiveRules}> {
  const option = ctx.options.rulesDir
  if (option !== undefined && (typeof option !== 'string' || option === '')) {
    throw new Error(`Expected \`rulesDir\` to be a directory path, got \`${JSON.stringify(option)}\``)
  }

  const operatorDir = (option as string | undefined) ?? (process.env[RULES_DIR_ENV] || undefined)
  const source = {load: async (from: RuleSource) => (await loadRulesInChild(from)).rules, operatorDir, statePath: process.env[RULE_STATE_ENV] || undefined}
  const first = await loadRulesInChild(source, true)
  const {auth, problems} = await authRulesOf(first.counting!, ctx.options.authRules)
  for (const problem of problems) console.warn(`${isRuleError(problem) ? 'rule not loaded' : 'rule warning'}: ${formatRuleProblem(problem)}`)
  const rules = await LiveRules.load({...source, counting: auth}, first.rules)
  ctx.debug('%d rules active, %d of them counting (operator directory: %s, ATT&CK %s)', rules.active, rules.auth()?.rules.size ?? 0, operatorDir ?? 'none', rules.set.attackVersion)
  return {auth, rules}
}

/** Ticks until a tick comes back short (caught up) or `signal` fires (the worker is stopped, or lost its lease). */
async function drain(db: Kysely<Database>, ctx: WorkerContext, signal: AbortSignal, options: TtpTickOptions): Promise<void> {
  const total = await ttpDrain(db, options, signal, (tick) => ctx.debug('tick: %d lines, %d tags, cursor %d', tick.lines, tick.tags, tick.cursor))
  if (total.lines > 0) console.log(`tagged ${total.lines} lines: ${total.tags} ATT&CK tags (cursor ${total.cursor})`)
}
