/**
 * The worker contract: what a fleet's worker module exports and what it gets.
 * This file holds types only, so that worker modules can import it for free.
 *
 * @example
 * ```ts
 * import type {WorkerContext} from 'decnet'
 *
 * export default async function tick(ctx: WorkerContext): Promise<void> {
 *   ctx.ready()
 *   while (!ctx.signal.aborted) {
 *     await doOnePass()
 *     if (ctx.once) return
 *     await sleep(60_000, ctx.signal)
 *   }
 * }
 * ```
 */
import type {JsonObject} from '../fleets/types.js'
import type {SourceReport} from './source-report.js'

/**
 * Where the fleet's database is: a SQLite file (an absolute path, or
 * `:memory:`) or a PostgreSQL URL. `decnet fleet` chooses it (`--db`, else
 * `$DECNET_DB_URL`, else the data directory's) and parses it once, in the
 * master, before anything is spawned; the child hands it to the worker as
 * data (see {@link WorkerContext.database}).
 */
export type WorkerDatabase = {readonly kind: 'postgres'; readonly url: string} | {readonly kind: 'sqlite'; readonly path: string}

/** Everything a worker gets from the child entry. */
export interface WorkerContext {
  /** The worker's name within its fleet. */
  readonly name: string
  /** The fleet's name. */
  readonly fleet: string
  /** The worker's options from its fleet definition (plus command-line overrides such as `interval`). */
  readonly options: Readonly<JsonObject>
  /** Fires when the worker must stop (SIGTERM from the master, or the master going away). */
  readonly signal: AbortSignal
  /** True under `decnet fleet NAME --once`: do one pass of the work, then return. */
  readonly once: boolean
  /**
   * The fleet's database, parsed: open it with `openDatabase(ctx.database)`.
   * `decnet fleet` always gives one; a supervisor given none (see
   * `SupervisorOptions.database`), or a hand-made context, leaves it out.
   * (The same database is also in the environment as `DECNET_DB_URL`, for
   * workers written before this field.)
   */
  readonly database?: WorkerDatabase
  /** A `debug` logger in the `decnet:worker:<name>` namespace. */
  readonly debug: (formatter: unknown, ...args: unknown[]) => void
  /** Tell the master this worker is ready (call once, after setup). */
  ready(): void
  /**
   * Tell the master, in a few words, what the worker is doing right now
   * (`active (lease until 14:05:10Z)`, `standby (held by host-b:4242)`):
   * `decnet fleet status` shows the latest text. Optional, so that a worker
   * can be run with a hand-made context; call it as `ctx.status?.(text)`.
   */
  status?(text: string): void
  /**
   * Tell the master how each source the worker reads is doing (lines
   * accepted and rejected, lag, connections, last error): `decnet fleet
   * status` shows the latest report. Optional, like `status`: call it as
   * `ctx.report?.(sources)`.
   */
  report?(sources: readonly SourceReport[]): void
  /**
   * Call `listener` whenever the operator asks the fleet to reload (`decnet
   * fleet reload NAME`, or SIGHUP to its master): reload the configuration,
   * and keep the old one (saying why in the log) when the new one is
   * unusable. A worker that registers nothing ignores reloads. Optional:
   * call it as `ctx.onReload?.(listener)`.
   */
  onReload?(listener: () => void): void
}

/** A worker: returning (or resolving) means the worker is done; throwing means it failed. */
export type WorkerFunction = (context: WorkerContext) => Promise<void> | void
