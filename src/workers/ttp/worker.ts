/**
 * The TTP worker of the `heavy` fleet: tags new log lines with MITRE ATT&CK
 * techniques, tick after tick, until told to stop. It opens its own database
 * connection (to its context's `database`) in the child, never in the master.
 */
import type {Kysely} from 'kysely'

import type {Database} from '../../db/schema.js'
import type {WorkerContext} from '../../prefork/worker.js'
import type {TtpTickOptions} from './tick.js'

import {positiveNumber} from '../../util/positive-number.js'
import {loopSettings} from '../loop-settings.js'
import {contextDatabase, runWorkerLoop} from '../run-worker-loop.js'
import {FailureMemory} from './failure-memory.js'
import {Matcher} from '../../ttp/matcher.js'
import {formatRuleProblem, isRuleError, loadRules, RULES_DIR_ENV} from '../../ttp/rule-loader.js'
import {TagWriter} from './tag-writer.js'
import {AlertQueue, reportDrop} from '../alerts/alert-queue.js'
import {DEFAULT_BATCH_SIZE, TTP_CURSOR, ttpDrain} from './tick.js'

/** Seconds between passes unless the fleet says otherwise. */
export const DEFAULT_INTERVAL_SECONDS = 60

/**
 * Runs the TTP tagger. Options: `interval` (seconds between passes, default
 * 60), `batchSize` (lines per tick, default 5000) and `rulesDir` (an
 * operator's rule directory; default `$DECNET_RULES_DIR`), `alerts` (`{maxQueue}`:
 * queue an alert for each technique an attacker did not have; `--webhook` sets it), and the loop's
 * `leaseSeconds` / `dbRetrySeconds` (see `loopSettings`). Rule files that
 * cannot be used are reported on stderr, with their path and why; the other
 * rules still run. Only the instance holding the `ttp` lease tags lines;
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
  const matcher = await loadMatcher(ctx)
  const alerts = AlertQueue.fromOption(ctx.options.alerts, reportDrop)
  await runWorkerLoop(ctx, {
    kind: TTP_CURSOR,
    prepare(db) {
      const tick = {alerts, batchSize, matcher, memory: new FailureMemory(), writer: new TagWriter()}
      return (signal) => drain(db, ctx, signal, tick)
    },
    settings,
    database,
  })
}

async function loadMatcher(ctx: WorkerContext): Promise<Matcher> {
  const option = ctx.options.rulesDir
  if (option !== undefined && (typeof option !== 'string' || option === '')) {
    throw new Error(`Expected \`rulesDir\` to be a directory path, got \`${JSON.stringify(option)}\``)
  }

  const operatorDir = (option as string | undefined) ?? (process.env[RULES_DIR_ENV] || undefined)
  const {attackVersion, problems, rules} = await loadRules({operatorDir})
  for (const problem of problems) console.warn(`${isRuleError(problem) ? 'rule not loaded' : 'rule warning'}: ${formatRuleProblem(problem)}`)
  ctx.debug('%d rules active (operator directory: %s, ATT&CK %s)', rules.length, operatorDir ?? 'none', attackVersion)
  return new Matcher(rules, {attackVersion})
}

/** Ticks until a tick comes back short (caught up) or `signal` fires (the worker is stopped, or lost its lease). */
async function drain(db: Kysely<Database>, ctx: WorkerContext, signal: AbortSignal, options: TtpTickOptions): Promise<void> {
  const total = await ttpDrain(db, options, signal, (tick) => ctx.debug('tick: %d lines, %d tags, cursor %d', tick.lines, tick.tags, tick.cursor))
  if (total.lines > 0) console.log(`tagged ${total.lines} lines: ${total.tags} ATT&CK tags (cursor ${total.cursor})`)
}
