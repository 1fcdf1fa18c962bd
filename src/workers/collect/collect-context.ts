/**
 * What the two workers of the `collect` fleets share: their settings (the
 * `settings` option `decnet fleet` gives them, checked again here), the
 * periodic report to the master, and idling when there is nothing to do.
 */
import type {Kysely} from 'kysely'

import {setTimeout as sleep} from 'node:timers/promises'

import type {Database} from '../../db/schema.js'
import type {SourceReport} from '../../prefork/source-report.js'
import type {WorkerContext} from '../../prefork/worker.js'

import {isTransientDatabaseError} from '../../db/is-transient-error.js'
import {migrateToLatest} from '../../db/migrate.js'
import {openDatabase} from '../../db/open.js'
import {checkCollectSettings, type CollectSettings} from '../../ingest/collect/collect-settings.js'
import {DatabaseOutage} from '../database-outage.js'
import {clockTime} from '../lease.js'
import {loopSettings} from '../loop-settings.js'
import {contextDatabase} from '../run-worker-loop.js'

/** How often a collect worker reports its sources to the master. */
export const REPORT_INTERVAL_MS = 1000

/**
 * The worker's collect settings.
 *
 * @throws CollectSettingsError when the option is not valid settings (a fleet definition of a plugin's making, say).
 */
export function collectSettings(ctx: WorkerContext): CollectSettings {
  return checkCollectSettings(ctx.options.settings ?? {}, `worker ${ctx.name}: option \`settings\``)
}

/**
 * Opens and migrates the fleet's database (the worker's own connection).
 * A database that is away (an outage: see `isTransientDatabaseError`) is
 * waited for, as the `heavy` workers wait (one line when it starts and one
 * when it ends, a doubling delay up to `$DECNET_DB_RETRY_SECONDS`, the
 * worker's status saying since when), instead of crashing the worker into
 * restarts that would all fail the same way; under `--once` it gives up
 * after a few attempts.
 *
 * @returns the database, or undefined when the worker was stopped while waiting.
 */
export async function openCollectDatabase(ctx: WorkerContext, who: string): Promise<Kysely<Database> | undefined> {
  const target = contextDatabase(ctx, who)
  const {dbAttempts, dbRetryMaxMs} = loopSettings({}, ctx.once, 1)
  const outage = new DatabaseOutage({maxAttempts: dbAttempts, maxMs: dbRetryMaxMs})
  while (!ctx.signal.aborted) {
    let db: Kysely<Database> | undefined
    try {
      db = await openDatabase(target)
      await migrateToLatest(db)
      outage.over()
      return db
    } catch (error) {
      await db?.destroy().catch((closing: unknown) => ctx.debug('closing the database after a failed open: %s', (closing as Error).message))
      if (!isTransientDatabaseError(error)) throw error
      const delay = outage.failed(error)
      ctx.status?.(`waiting for the database since ${clockTime(new Date(outage.since!).toISOString())}: ${(error as Error).message}`)
      await sleep(delay, undefined, {signal: ctx.signal}).catch(() => undefined) // stopped: the loop ends
    }
  }

  return undefined
}

/**
 * Calls `build` every {@link REPORT_INTERVAL_MS} and sends its reports to
 * the master (once at once, once more when stopped).
 *
 * @returns a function that stops reporting after one last report.
 */
export function reportSources(ctx: WorkerContext, build: () => Promise<SourceReport[]> | SourceReport[]): () => Promise<void> {
  let busy = false
  const send = async (): Promise<void> => {
    if (busy) return
    busy = true
    try {
      ctx.report?.(await build())
    } catch (error) {
      ctx.debug('report failed: %s', (error as Error).message)
    } finally {
      busy = false
    }
  }

  void send()
  const timer = setInterval(() => void send(), REPORT_INTERVAL_MS)
  timer.unref()
  return async () => {
    clearInterval(timer)
    await send()
  }
}

/** Says why there is nothing to do, then waits for the stop (a worker that exited would only be restarted). */
export async function idle(ctx: WorkerContext, why: string): Promise<void> {
  ctx.status?.(why)
  ctx.report?.([])
  ctx.ready()
  if (ctx.once || ctx.signal.aborted) return
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), {once: true}))
}

/** Now, ISO 8601. */
export function nowIso(): string {
  return new Date().toISOString()
}
