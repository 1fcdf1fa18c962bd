import * as Flags from '@oclif/core/flags'

import {secondsFlag} from './seconds.js'

const seconds = (summary: string, fallback?: string) => Flags.string({default: fallback, helpValue: 'SECONDS', summary})

/** The flags of `decnet fleet NAME` that are durations, in seconds as typed. */
export const fleetTimingFlags = {
  grace: seconds('How long workers get to stop after SIGTERM before SIGKILL.', '15'),
  interval: seconds("Passed to every worker as its 'interval' option."),
  'max-backoff': seconds('Cap of the restart delay (1 s, doubling, with jitter).', '30'),
  watchdog: seconds('Kill and restart a worker silent for this long; 0 disables.', '30'),
}

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
