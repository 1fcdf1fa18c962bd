import {NumberValueError} from '../util/positive-number.js'
import {seconds, toMs} from '../util/seconds.js'

/** A flag's value that cannot be used; the message says which flag and what it got. */
export class FlagValueError extends Error {
  /** The flag, with its dashes (`--grace`). */
  readonly flag: string

  constructor(flag: string, message: string) {
    super(message)
    this.name = 'FlagValueError'
    this.flag = flag
  }
}

/**
 * Reads a flag given in seconds, with the one validator of durations
 * (`seconds` of src/util/seconds.ts): plain decimal numbers (`15`, `0.5`);
 * `zero: true` also accepts 0 (a flag where 0 disables something). Returns
 * seconds; undefined stays undefined.
 *
 * @throws {@link FlagValueError} with one message shape:
 * "Expected `--grace` to be a positive number of seconds, got `-1`".
 *
 * @example
 * ```ts
 * secondsFlag('--grace', flags.grace)                  // 15 for '15'
 * secondsFlag('--watchdog', flags.watchdog, {zero: true}) // 0 for '0'
 * ```
 */
export function secondsFlag(flag: string, value: string | undefined, options: {zero?: boolean} = {}): number | undefined {
  if (value === undefined) return undefined
  try {
    return seconds(value, flag, options)
  } catch (error) {
    if (error instanceof NumberValueError) throw new FlagValueError(flag, error.message)
    throw error
  }
}

/**
 * A flag given in seconds, read as {@link secondsFlag} reads it, in the
 * milliseconds a timer or a deadline wants; undefined stays undefined.
 *
 * @throws {@link FlagValueError} as {@link secondsFlag} does.
 * @example
 * ```ts
 * millisecondsFlag('--timeout', '0.5') // 500
 * ```
 */
export function millisecondsFlag(flag: string, value: string | undefined, options: {zero?: boolean} = {}): number | undefined {
  const read = secondsFlag(flag, value, options)
  return read === undefined ? undefined : toMs(read)
}
