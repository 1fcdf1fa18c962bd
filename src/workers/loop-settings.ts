/**
 * The timings of a database worker's loop, read from its options (fleet
 * definition, `--interval`) and the `DECNET_*` environment the fleet passes
 * to every worker. An option wins over the environment.
 */
import type {JsonObject} from '../fleets/types.js'

import {seconds, toMs} from '../util/seconds.js'

/** Environment variable: seconds a lease lasts unless renewed (default 30). */
export const LEASE_SECONDS_ENV = 'DECNET_LEASE_SECONDS'
/** Environment variable: the longest wait between two attempts to reach a database that is away (default 30). */
export const DB_RETRY_SECONDS_ENV = 'DECNET_DB_RETRY_SECONDS'

/** Seconds a lease lasts unless renewed. */
export const DEFAULT_LEASE_SECONDS = 30
/** The longest wait between two attempts to reach the database. */
export const DEFAULT_DB_RETRY_SECONDS = 30
/** Under `--once`, failed attempts in a row after which a worker gives up on an unreachable database. */
export const ONCE_DB_ATTEMPTS = 5
/** The longest wait between two tries of a standby instance. */
const MAX_STANDBY_RETRY_MS = 5000

/** Everything the loop needs to know, in milliseconds. */
export interface LoopSettings {
  /** Between two passes. */
  readonly intervalMs: number
  /** A lease's lifetime unless renewed. */
  readonly leaseMs: number
  /** How often the holder renews: a third of the lease, so two renewals can fail before it lapses. */
  readonly renewMs: number
  /** How often a standby tries to take the lease: a sixth of it, at most 5 s. */
  readonly standbyRetryMs: number
  /** The cap of the retry delay while the database is away. */
  readonly dbRetryMaxMs: number
  /** Failed attempts in a row before giving up (`--once` only; Infinity otherwise). */
  readonly dbAttempts: number
}

/**
 * Reads the loop's settings: options `interval` (seconds between passes),
 * `leaseSeconds` and `dbRetrySeconds`, else `$DECNET_LEASE_SECONDS` and
 * `$DECNET_DB_RETRY_SECONDS`, else the defaults. Every one is seconds until
 * here, checked by the one validator of durations (`seconds`, which
 * `--interval` went through too); the loop's timers take milliseconds.
 *
 * @throws NumberValueError naming the option or variable ("Expected `interval` to be a positive number of seconds, got `-1`").
 */
export function loopSettings(options: Readonly<JsonObject>, once: boolean, defaultIntervalSeconds: number, env = process.env): LoopSettings {
  const intervalMs = toMs(seconds(options.interval ?? defaultIntervalSeconds, 'interval'))
  const leaseMs = toMs(seconds(options.leaseSeconds ?? env[LEASE_SECONDS_ENV] ?? DEFAULT_LEASE_SECONDS, options.leaseSeconds === undefined ? `$${LEASE_SECONDS_ENV}` : 'leaseSeconds'))
  const dbRetryMaxMs = toMs(
    seconds(options.dbRetrySeconds ?? env[DB_RETRY_SECONDS_ENV] ?? DEFAULT_DB_RETRY_SECONDS, options.dbRetrySeconds === undefined ? `$${DB_RETRY_SECONDS_ENV}` : 'dbRetrySeconds'),
  )
  if (leaseMs < 300) throw new Error(`Expected the lease (\`leaseSeconds\` or $${LEASE_SECONDS_ENV}) to be at least 0.3 seconds, got ${leaseMs / 1000}`)
  return {
    dbAttempts: once ? ONCE_DB_ATTEMPTS : Number.POSITIVE_INFINITY,
    dbRetryMaxMs,
    intervalMs,
    leaseMs,
    renewMs: Math.round(leaseMs / 3),
    standbyRetryMs: Math.min(MAX_STANDBY_RETRY_MS, Math.round(leaseMs / 6)),
  }
}
