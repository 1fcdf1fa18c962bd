import {millisecondsFlag, secondsFlag} from './seconds.js'

/**
 * The durations of `decnet fleet NAME`: the supervisor's in milliseconds (its
 * options), the workers' `interval` in seconds (worker options are seconds,
 * as the fleet definitions write them; undefined when not given).
 */
export interface FleetTiming {
  readonly graceMs: number | undefined
  readonly intervalSeconds: number | undefined
  readonly maxBackoffMs: number | undefined
  readonly watchdogMs: number | undefined
}

/**
 * Reads the duration flags of `decnet fleet NAME` once: the supervisor's into
 * milliseconds, `--interval` as the seconds it is.
 *
 * @throws FlagValueError naming the flag ("Expected `--grace` to be a positive number of seconds, got `-1`").
 * @example
 * ```ts
 * const {graceMs} = fleetTiming(flags) // 15000 for the default '15'
 * ```
 */
export function fleetTiming(flags: {grace?: string; interval?: string; 'max-backoff'?: string; watchdog?: string}): FleetTiming {
  return {
    graceMs: millisecondsFlag('--grace', flags.grace),
    intervalSeconds: secondsFlag('--interval', flags.interval),
    maxBackoffMs: millisecondsFlag('--max-backoff', flags['max-backoff']),
    watchdogMs: millisecondsFlag('--watchdog', flags.watchdog, {zero: true}),
  }
}
