/**
 * The profiler worker of the `heavy` fleet: folds new log lines into attacker
 * profiles, tick after tick, until told to stop. It opens its own database
 * connection (from `DECNET_DB_URL`) in the child, never in the master.
 */
import type {Kysely} from 'kysely'

import {setTimeout as sleep} from 'node:timers/promises'

import type {Database} from '../../db/schema.js'
import type {WorkerContext} from '../../prefork/worker.js'

import {migrateToLatest} from '../../db/migrate.js'
import {openDatabase} from '../../db/open.js'
import {defaultSemantics} from './semantics.js'
import {DEFAULT_BATCH_SIZE, profilerTick} from './tick.js'

/** Seconds between passes unless the fleet says otherwise. */
export const DEFAULT_INTERVAL_SECONDS = 60

/**
 * Runs the profiler. Options: `interval` (seconds between passes, default 60)
 * and `batchSize` (lines per tick, default 5000). Under `once`, it drains
 * everything pending and returns.
 *
 * @example
 * ```ts
 * // what the child entry does for the `profiler` worker of `heavy`:
 * await profiler({name: 'profiler', fleet: 'heavy', options: {interval: 60}, once: true, signal, debug, ready})
 * ```
 */
export default async function profiler(ctx: WorkerContext): Promise<void> {
  const url = process.env.DECNET_DB_URL
  if (!url) throw new Error('DECNET_DB_URL is not set: the profiler needs a database')
  const interval = positiveNumber(ctx.options.interval ?? DEFAULT_INTERVAL_SECONDS, 'interval')
  const batchSize = Math.floor(positiveNumber(ctx.options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize'))
  const db = await openDatabase(url)
  try {
    const applied = await migrateToLatest(db)
    if (applied.length > 0) ctx.debug('applied migrations %o', applied)
    ctx.ready()
    while (!ctx.signal.aborted) {
      await drain(db, ctx, batchSize)
      if (ctx.once || !(await pause(interval, ctx.signal))) return
    }
  } finally {
    await db.destroy()
  }
}

/** Ticks until a tick comes back short (caught up) or the worker is stopped. */
async function drain(db: Kysely<Database>, ctx: WorkerContext, batchSize: number): Promise<void> {
  const total = {attackers: 0, commands: 0, lines: 0}
  let cursor = 0
  for (;;) {
    const tick = await profilerTick(db, {batchSize, semantics: defaultSemantics})
    total.lines += tick.lines
    total.attackers += tick.attackers
    total.commands += tick.commands
    cursor = tick.cursor
    ctx.debug('tick: %d lines, %d attackers, %d commands, cursor %d', tick.lines, tick.attackers, tick.commands, cursor)
    if (tick.lines < batchSize || ctx.signal.aborted) break
  }

  if (total.lines > 0) {
    console.log(`profiled ${total.lines} lines: ${total.attackers} attacker updates, ${total.commands} commands (cursor ${cursor})`)
  }
}

/** Waits `seconds`; false when the wait was cut short by `signal`. */
async function pause(seconds: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(seconds * 1000, undefined, {signal})
    return true
  } catch (error) {
    if (signal.aborted) return false
    throw error
  }
}

function positiveNumber(value: unknown, name: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0) {
    throw new Error(`Expected \`${name}\` to be a positive number, got \`${JSON.stringify(value)}\``)
  }

  return number
}
