/**
 * What the two workers of the `collect` fleets share: their settings (the
 * `settings` option `decnet fleet` gives them, checked again here), the
 * periodic report to the master, and idling when there is nothing to do.
 */
import type {Kysely} from 'kysely'

import type {Database} from '../../db/schema.js'
import type {SourceReport} from '../../prefork/source-report.js'
import type {WorkerContext} from '../../prefork/worker.js'

import {migrateToLatest} from '../../db/migrate.js'
import {openDatabase} from '../../db/open.js'
import {checkCollectSettings, type CollectSettings} from '../../ingest/collect/collect-settings.js'
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

/** Opens and migrates the fleet's database (the worker's own connection). */
export async function openCollectDatabase(ctx: WorkerContext, who: string): Promise<Kysely<Database>> {
  const db = await openDatabase(contextDatabase(ctx, who))
  try {
    await migrateToLatest(db)
  } catch (error) {
    await db.destroy()
    throw error
  }

  return db
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
