/** The longest delay a Node timer can take, in whole seconds. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000)

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
 * Reads a flag given in seconds and returns milliseconds. Accepts plain
 * decimal numbers (`15`, `0.5`); `zero: true` also accepts 0 (a flag where
 * 0 disables something). Undefined stays undefined.
 *
 * @throws {@link FlagValueError} with one message shape:
 * "Expected `--grace` to be a positive number of seconds, got `-1`".
 *
 * @example
 * ```ts
 * secondsFlag('--grace', flags.grace)                  // 15000 for '15'
 * secondsFlag('--watchdog', flags.watchdog, {zero: true}) // 0 for '0'
 * ```
 */
export function secondsFlag(flag: string, value: string | undefined, options: {zero?: boolean} = {}): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  const seconds = /^\d+(?:\.\d+)?$|^\.\d+$/.test(text) ? Number(text) : Number.NaN
  const zeroOk = options.zero === true
  if (!Number.isFinite(seconds) || seconds < 0 || (seconds === 0 && !zeroOk)) {
    const what = zeroOk ? 'a non-negative number of seconds (0 disables)' : 'a positive number of seconds'
    throw new FlagValueError(flag, `Expected \`${flag}\` to be ${what}, got \`${value}\``)
  }

  if (seconds > MAX_SECONDS) {
    throw new FlagValueError(flag, `Expected \`${flag}\` to be at most ${MAX_SECONDS} seconds, got \`${value}\``)
  }

  return Math.round(seconds * 1000)
}
