import {secondsFlag} from './seconds.js'

/** The durations of `decnet fleet NAME`, in milliseconds (`interval` stays undefined when not given). */
export interface FleetTiming {
  readonly graceMs: number | undefined
  readonly interval: number | undefined
  readonly maxBackoffMs: number | undefined
  readonly watchdogMs: number | undefined
}

/**
 * Reads the duration flags of `decnet fleet NAME` once, into milliseconds.
 *
 * @throws FlagValueError naming the flag ("Expected `--grace` to be a positive number of seconds, got `-1`").
 * @example
 * ```ts
 * const {graceMs} = fleetTiming(flags) // 15000 for the default '15'
 * ```
 */
export function fleetTiming(flags: {grace?: string; interval?: string; 'max-backoff'?: string; watchdog?: string}): FleetTiming {
  return {
    graceMs: secondsFlag('--grace', flags.grace),
    interval: secondsFlag('--interval', flags.interval),
    maxBackoffMs: secondsFlag('--max-backoff', flags['max-backoff']),
    watchdogMs: secondsFlag('--watchdog', flags.watchdog, {zero: true}),
  }
}
