/**
 * The loop every database worker of the `heavy` fleet runs: open and migrate
 * the database, take this kind of worker's lease (or stand by while another
 * instance holds it), run passes while holding it, and ride out database
 * outages without crashing.
 */
import type {Kysely} from 'kysely'

import {setTimeout as sleep} from 'node:timers/promises'

import type {OpenDatabaseOptions} from '../db/open.js'
import type {Database} from '../db/schema.js'
import type {DatabaseTarget} from '../db/url.js'
import type {WorkerContext} from '../prefork/worker.js'
import type {LoopSettings} from './loop-settings.js'

import {isTransientDatabaseError} from '../db/is-transient-error.js'
import {migrateToLatest} from '../db/migrate.js'
import {openDatabase} from '../db/open.js'
import {DatabaseOutage} from './database-outage.js'
import {clockTime, displayHolder, Lease} from './lease.js'
import {LeaseKeeper} from './lease-keeper.js'
import {YoungGarbage} from './young-garbage.js'

/** One pass: do everything pending; stop early (after the tick under way) when `signal` fires. */
export type WorkerPass = (signal: AbortSignal) => Promise<void>

/** What a worker plugs into {@link runWorkerLoop}. */
export interface WorkerLoopSpec {
  /** The kind of worker: the name of its lease (`profiler`, `ttp`). */
  readonly kind: string
  /** The database (the worker's `ctx.database`, see {@link contextDatabase}). */
  readonly database: DatabaseTarget
  readonly settings: LoopSettings
  readonly databaseOptions?: OpenDatabaseOptions
  /** Builds the pass over an open, migrated database (once). */
  prepare(db: Kysely<Database>): Promise<WorkerPass> | WorkerPass
}

/** How long a release at shutdown may take before the worker exits anyway (the lease then lapses by itself). */
const RELEASE_TIMEOUT_MS = 2000

/**
 * Runs a database worker until its context's signal fires (or, under `once`,
 * until one pass is done). Says `ready()` at once: a worker waiting for its
 * database or its lease is alive and doing its job. Transient database errors
 * (see `isTransientDatabaseError`) are waited out with a doubling delay and
 * one log line per outage; under `once` the worker gives up after a few
 * attempts. Any other error is thrown, for the supervisor to restart the worker.
 *
 * @example
 * ```ts
 * export default async function profiler(ctx: WorkerContext) {
 *   const settings = loopSettings(ctx.options, ctx.once, 60)
 *   await runWorkerLoop(ctx, {kind: 'profiler', database: contextDatabase(ctx, 'the profiler'), settings, prepare: (db) => (signal) => drain(db, signal)})
 * }
 * ```
 */
export async function runWorkerLoop(ctx: WorkerContext, spec: WorkerLoopSpec): Promise<void> {
  await new WorkerLoop(ctx, spec).run()
}

/**
 * The database a worker's context gives (`decnet fleet` always gives one).
 *
 * @throws Error naming `who` when the context has none (a supervisor run without `database`, or a hand-made context).
 */
export function contextDatabase(ctx: WorkerContext, who: string): DatabaseTarget {
  if (ctx.database === undefined) throw new Error(`${who} needs a database: its context gives none (\`database\`, which \`decnet fleet\` always gives)`)
  return ctx.database
}

class WorkerLoop {
  readonly #ctx: WorkerContext
  readonly #spec: WorkerLoopSpec
  readonly #settings: LoopSettings
  readonly #outage: DatabaseOutage
  #db: Kysely<Database> | undefined
  #migrated = false
  #pass: undefined | WorkerPass
  #lease: Lease | undefined
  /** This instance holds the lease (as far as it last heard): "active" is said once per acquisition. */
  #holding = false
  /** The holder last reported as standby (to say it once per holder), and when standby began. */
  #standby: undefined | {holder: string; since: number}

  constructor(ctx: WorkerContext, spec: WorkerLoopSpec) {
    this.#ctx = ctx
    this.#spec = spec
    this.#settings = spec.settings
    const {dbAttempts, dbRetryMaxMs} = spec.settings
    this.#outage = new DatabaseOutage({maxAttempts: dbAttempts, maxMs: dbRetryMaxMs})
  }

  async run(): Promise<void> {
    const {signal} = this.#ctx
    this.#ctx.ready()
    this.#status('connecting to the database')
    try {
      while (!signal.aborted) {
        try {
          if (await this.#turn()) return
        } catch (error) {
          if (!isTransientDatabaseError(error)) throw error
          this.#lease?.forget()
          const delay = this.#outage.failed(error)
          const since = clockTime(new Date(this.#outage.since!).toISOString())
          this.#status(`waiting for the database since ${since}: ${(error as Error).message}`)
          this.#ctx.debug('database error, retrying in %d ms: %s', delay, (error as Error).message)
          await pause(delay, signal)
        }
      }
    } finally {
      await this.#close()
    }
  }

  /** One go: reach the database, try the lease, work while holding it. True when the worker is done (`once`). */
  async #turn(): Promise<boolean> {
    const lease = await this.#connect()
    const state = await lease.acquire()
    this.#outage.over()
    if (!state.held) return this.#standBy(state.holder, state.expiresAt)
    if (!this.#holding) {
      const previous = this.#standby === undefined ? '' : ` (taken over from ${this.#standby.holder})`
      console.log(`active: this instance (${displayHolder(lease.holder)}) holds the ${this.#spec.kind} lease${previous}`)
      this.#holding = true
      this.#standby = undefined
    }

    this.#status(`active (lease until ${clockTime(state.expiresAt)})`)
    return this.#work(lease)
  }

  async #connect(): Promise<Lease> {
    this.#db ??= await openDatabase(this.#spec.database, this.#spec.databaseOptions)
    if (!this.#migrated) {
      const applied = await migrateToLatest(this.#db)
      if (applied.length > 0) this.#ctx.debug('applied migrations %o', applied)
      this.#migrated = true
    }

    this.#pass ??= await this.#spec.prepare(this.#db)
    this.#lease ??= new Lease(this.#db, this.#spec.kind, {ttlMs: this.#settings.leaseMs})
    return this.#lease
  }

  /** Another instance holds the lease: say so once per holder, wait, and (under `once`) give up after one lease period. */
  async #standBy(holder: string, expiresAt: string): Promise<boolean> {
    const {kind} = this.#spec
    const now = performance.now()
    this.#holding = false
    if (this.#standby?.holder !== holder) {
      console.log(`standby: ${kind} lease held by ${holder} until ${clockTime(expiresAt)}`)
      this.#standby = {holder, since: this.#standby?.since ?? now}
    }

    this.#status(`standby (held by ${holder} until ${clockTime(expiresAt)})`)
    const {leaseMs, standbyRetryMs} = this.#settings
    if (this.#ctx.once && now - this.#standby.since > leaseMs + standbyRetryMs) {
      console.log(`not run: ${holder} kept the ${kind} lease for a whole lease period (${leaseMs / 1000} s); it is alive and does the work`)
      return true
    }

    await pause(standbyRetryMs, this.#ctx.signal)
    return false
  }

  /**
   * Runs passes (every interval) while holding the lease, until the worker is
   * stopped, the lease is lost, or `once` is done. True when `once` is done.
   */
  async #work(lease: Lease): Promise<boolean> {
    const lost = new AbortController()
    const signal = AbortSignal.any([this.#ctx.signal, lost.signal])
    const keeper = new LeaseKeeper(lease, this.#settings.renewMs, {
      failed: (error) => this.#ctx.debug('lease renewal failed: %s', (error as Error).message),
      lost: (why) => {
        this.#holding = false
        console.warn(`lost the ${this.#spec.kind} lease: ${why}; standing by`)
        lost.abort(new Error(why))
      },
      renewed: (expiresAt) => this.#status(`active (lease until ${clockTime(expiresAt)})`),
    })
    keeper.start()
    const garbage = new YoungGarbage()
    try {
      for (;;) {
        await this.#pass!(signal)
        this.#outage.over()
        if (signal.aborted) return false
        if (this.#ctx.once) return true
        garbage.collect() // while idle: the next pass starts with an empty nursery
        if (!(await pause(this.#settings.intervalMs, signal))) return false
      }
    } finally {
      keeper.stop()
    }
  }

  /** Gives the lease back (bounded: a database that is away lets it lapse instead) and closes the database. */
  async #close(): Promise<void> {
    const lease = this.#lease
    if (lease?.valid) {
      const timeout = sleep(RELEASE_TIMEOUT_MS, 'timed out', {ref: false})
      const outcome = await Promise.race([lease.release().then(() => 'released'), timeout]).catch((error: Error) => error.message)
      this.#ctx.debug('lease release at shutdown: %s', outcome)
    }

    await this.#db?.destroy().catch((error: Error) => this.#ctx.debug('closing the database: %s', error.message))
  }

  #status(text: string): void {
    this.#ctx.status?.(text)
  }
}

/** Waits `ms`; false when the wait was cut short by `signal`. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, {signal})
    return true
  } catch (error) {
    if (signal.aborted) return false
    throw error
  }
}
