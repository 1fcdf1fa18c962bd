/**
 * The profiler worker of the `heavy` fleet: folds new log lines into attacker
 * profiles, tick after tick, until told to stop. It opens its own database
 * connection (to its context's `database`) in the child, never in the master.
 */
import type {WorkerContext} from '../../prefork/worker.js'

import {GeoLookup} from '../../enrich/geo-lookup.js'
import {positiveNumber} from '../../util/positive-number.js'
import {loopSettings} from '../loop-settings.js'
import {contextDatabase, runWorkerLoop} from '../run-worker-loop.js'
import {TRUSTED_PROXIES_ENV, TrustedProxies} from './fingerprints/trusted-proxies.js'
import {GeoEnricher} from './geo-enricher.js'
import {AlertQueue, reportDrop} from '../alerts/alert-queue.js'
import {DEFAULT_BATCH_SIZE, PROFILER_CURSOR, PROFILER_DATABASE_OPTIONS, Profiler} from './profiler.js'

/** Seconds between passes unless the fleet says otherwise. */
export const DEFAULT_INTERVAL_SECONDS = 60

/**
 * Runs the profiler. Options: `interval` (seconds between passes, default 60),
 * `batchSize` (lines per tick, default 100,000), `trustedProxies` (IPs and
 * CIDRs whose proxy headers claim nothing of the attacker's; default
 * `$DECNET_TRUSTED_PROXIES`, else none), the loop's `leaseSeconds` /
 * `dbRetrySeconds` (see `loopSettings`), and `geoipDb` / `asnDb` (paths of
 * MaxMind-format databases: each pass then adds country and AS to
 * `attacker_geo`; a file it cannot use stops the worker before it is ready),
 * and `alerts` (`{maxQueue}`: queue an alert for each new attacker; `--webhook` sets it). Only the instance holding the
 * `profiler` lease folds lines; others stand by. Under `once`, it drains
 * everything pending and returns.
 *
 * @example
 * ```ts
 * // what the child entry does for the `profiler` worker of `heavy`:
 * await profiler({name: 'profiler', fleet: 'heavy', options: {interval: 60}, once: true, signal, debug, ready})
 * ```
 */
export default async function profiler(ctx: WorkerContext): Promise<void> {
  const database = contextDatabase(ctx, 'the profiler')
  const settings = loopSettings(ctx.options, ctx.once, DEFAULT_INTERVAL_SECONDS)
  const batchSize = Math.floor(positiveNumber(ctx.options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize'))
  const proxies = ctx.options.trustedProxies
  const trustedProxies = TrustedProxies.parse(proxies ?? process.env[TRUSTED_PROXIES_ENV], proxies === undefined ? `$${TRUSTED_PROXIES_ENV}` : 'trustedProxies')
  const alerts = AlertQueue.fromOption(ctx.options.alerts, reportDrop)
  const geo = await openGeo(ctx)
  await runWorkerLoop(ctx, {
    databaseOptions: PROFILER_DATABASE_OPTIONS,
    kind: PROFILER_CURSOR,
    prepare(db) {
      const profiler = new Profiler(db, {alerts, batchSize, database, trustedProxies})
      const enricher = geo === undefined ? undefined : new GeoEnricher(db, geo)
      return (signal) => drain(profiler, enricher, ctx, signal)
    },
    settings,
    database,
  })
}

/** Folds everything pending (stopping early on abort) and says what it did. */
async function drain(profiler: Profiler, enricher: GeoEnricher | undefined, ctx: WorkerContext, signal: AbortSignal): Promise<void> {
  const total = await profiler.drain(signal, (tick) =>
    ctx.debug('tick: %d lines, %d attackers, %d commands, cursor %d', tick.lines, tick.attackers, tick.commands, tick.cursor),
  )
  if (total.lines > 0) {
    await profiler.checkpoint()
    console.log(`profiled ${total.lines} lines: ${total.attackers} attacker updates, ${total.commands} commands (cursor ${total.cursor})`)
  }

  if (enricher === undefined || signal.aborted) return
  const geo = await enricher.drain(signal)
  if (geo.written > 0) console.log(`enriched ${geo.written} attacker IPs from ${geo.lines} lines (${enricher.cursorName})`)
}

/** The GeoIP and ASN databases the options name, read; undefined when they name none. */
async function openGeo(ctx: WorkerContext): Promise<GeoLookup | undefined> {
  const {asnDb, geoipDb} = ctx.options
  for (const [name, value] of [['geoipDb', geoipDb], ['asnDb', asnDb]] as const) {
    if (value !== undefined && typeof value !== 'string') throw new Error(`Expected \`${name}\` to be a file path, got ${JSON.stringify(value)}`)
  }

  if (geoipDb === undefined && asnDb === undefined) return undefined
  const geo = await GeoLookup.open({asn: asnDb as string | undefined, geoip: geoipDb as string | undefined})
  ctx.debug('enriching attacker IPs with %s', geo.identity)
  return geo
}
