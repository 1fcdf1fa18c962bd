/**
 * The one validator of the numbers an operator gives decnet: flags
 * (`--interval`), worker options (`interval`, `batchSize`) and `DECNET_*`
 * variables, with one message shape:
 * "Expected `--grace` to be a positive number of seconds, got `-1`".
 */

/** A number an operator gave that cannot be used; the message names where it came from and what was expected. */
export class NumberValueError extends Error {
  /** Where the value came from, as named in the message (`--grace`, `interval`, `$DECNET_LEASE_SECONDS`). */
  readonly source: string
  /** The value as given. */
  readonly input: unknown

  constructor(source: string, input: unknown, message: string) {
    super(message)
    this.name = 'NumberValueError'
    this.source = source
    this.input = input
  }
}

/** What {@link positiveNumber} accepts besides a positive number. */
export interface PositiveNumberOptions {
  /** The unit, for the message (`seconds`). */
  unit?: string
  /** Also accept 0 (a value where 0 disables something). */
  zero?: boolean
  /** The largest value accepted. */
  max?: number
}

/** A plain decimal, as typed: `15`, `0.5`, `.5` (no sign, no exponent, no hex). */
const DECIMAL = /^\d+(?:\.\d+)?$|^\.\d+$/

/**
 * `value` as a positive number: a finite number, or a string holding a plain
 * decimal. `name` is where it came from: a flag (`--grace`) or an option
 * (`interval`) is quoted in the message, a variable (`$DECNET_LEASE_SECONDS`)
 * is not.
 *
 * @throws {@link NumberValueError} ("Expected `interval` to be a positive number of seconds, got `-1`").
 * @example
 * ```ts
 * positiveNumber('15', '--grace', {unit: 'seconds'}) // 15
 * positiveNumber(0, 'batchSize')                     // throws: Expected `batchSize` to be a positive number, got `0`
 * ```
 */
export function positiveNumber(value: unknown, name: string, options: PositiveNumberOptions = {}): number {
  const text = typeof value === 'string' ? value.trim() : undefined
  const number = text === undefined ? value : DECIMAL.test(text) ? Number(text) : Number.NaN
  const source = name.startsWith('$') ? name : `\`${name}\``
  const shown = typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)
  const {max, unit, zero = false} = options
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || (number === 0 && !zero)) {
    const what = `${zero ? 'a non-negative' : 'a positive'} number${unit ? ` of ${unit}` : ''}${zero ? ' (0 disables)' : ''}`
    throw new NumberValueError(name, value, `Expected ${source} to be ${what}, got \`${shown}\``)
  }

  if (max !== undefined && number > max) {
    throw new NumberValueError(name, value, `Expected ${source} to be at most ${max}${unit ? ` ${unit}` : ''}, got \`${shown}\``)
  }

  return number
}
