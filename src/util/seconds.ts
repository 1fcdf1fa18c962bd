/**
 * Durations an operator gives (flags, worker options, `DECNET_*` variables)
 * are seconds, from where they are typed to where a timer is set: one unit
 * on the way, one validator ({@link seconds}), and milliseconds only at the
 * clock ({@link toMs}).
 */
import {positiveNumber} from './positive-number.js'

/** The longest delay a Node timer can take, in whole seconds. */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000)

/**
 * `value` as a duration in seconds (a positive number, or a plain decimal
 * string; `zero: true` also accepts 0), at most {@link MAX_SECONDS}.
 *
 * @throws NumberValueError ("Expected `--interval` to be a positive number of seconds, got `-1`").
 * @example
 * ```ts
 * seconds('0.5', '--interval')             // 0.5
 * seconds(0, '--watchdog', {zero: true})   // 0
 * ```
 */
export function seconds(value: unknown, name: string, options: {zero?: boolean} = {}): number {
  return positiveNumber(value, name, {max: MAX_SECONDS, unit: 'seconds', zero: options.zero})
}

/** Seconds as a timer's milliseconds. */
export function toMs(seconds: number): number {
  return Math.round(seconds * 1000)
}
