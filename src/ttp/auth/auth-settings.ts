/**
 * The thresholds and windows of the counting rules (authentication,
 * credentials, behaviour): the one place they are set. The `ttp` worker takes
 * overrides as its `authRules` option (a fleet definition's worker options),
 * checked here; docs/ttp-rules.md lists them. Durations are seconds.
 */
import {positiveNumber} from '../../util/positive-number.js'

/** Every threshold and window of the counting rules. */
export interface AuthSettings {
  /** Password guessing: this many failed logins from one IP within the window. */
  readonly bruteForce: {readonly failures: number; readonly windowSeconds: number}
  /** Password spraying: one IP, one secret, this many distinct principals within the window. */
  readonly spraying: {readonly principals: number; readonly windowSeconds: number}
  /** A successful login after a brute force: this many failed logins from the IP within the window before it. */
  readonly loginAfterBruteForce: {readonly failures: number; readonly windowSeconds: number}
  /** Beaconing: the latest `events` events of an IP on one service, at least `minIntervalSeconds` apart on average, gaps varying by at most `maxJitter` (cv). */
  readonly beaconing: {readonly events: number; readonly minIntervalSeconds: number; readonly maxJitter: number}
}

/** The shipped settings (DECNET's where it has them: R0001's 5 in 5 minutes, R0031's 10 s and 0.15). */
export const DEFAULT_AUTH_SETTINGS: AuthSettings = Object.freeze({
  beaconing: Object.freeze({events: 6, maxJitter: 0.15, minIntervalSeconds: 10}),
  bruteForce: Object.freeze({failures: 5, windowSeconds: 300}),
  loginAfterBruteForce: Object.freeze({failures: 5, windowSeconds: 600}),
  spraying: Object.freeze({principals: 5, windowSeconds: 600}),
})

/** Counts above this are refused (a threshold nobody reaches disables a rule: disable it instead). */
const MAX_COUNT = 10_000
/** Windows above a day are refused: the look-back reads that much history per failing IP. */
const MAX_WINDOW_SECONDS = 86_400

/**
 * The settings with `overrides` (the worker's `authRules` option: any subset,
 * e.g. `{spraying: {principals: 8}}`) applied, each value checked.
 *
 * @throws NumberValueError naming the setting (``Expected `authRules.spraying.principals` to be a positive number, got `0` ``);
 *   Error for an unknown rule or setting name.
 * @example
 * ```ts
 * authSettings({bruteForce: {windowSeconds: 120}}).bruteForce // {failures: 5, windowSeconds: 120}
 * ```
 */
export function authSettings(overrides: unknown = {}): AuthSettings {
  if (overrides === undefined || overrides === null) return DEFAULT_AUTH_SETTINGS
  if (typeof overrides !== 'object' || Array.isArray(overrides)) throw new Error(`Expected \`authRules\` to be an object, got \`${JSON.stringify(overrides)}\``)
  const result: Record<string, Record<string, number>> = {}
  for (const [rule, defaults] of Object.entries(DEFAULT_AUTH_SETTINGS) as Array<[string, Record<string, number>]>) result[rule] = {...defaults}
  for (const [rule, values] of Object.entries(overrides as Record<string, unknown>)) {
    const target = result[rule]
    if (target === undefined) throw new Error(`Unknown \`authRules.${rule}\` (known: ${Object.keys(result).join(', ')})`)
    if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new Error(`Expected \`authRules.${rule}\` to be an object`)
    for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
      if (!(name in target)) throw new Error(`Unknown \`authRules.${rule}.${name}\` (known: ${Object.keys(target).join(', ')})`)
      target[name] = checked(`authRules.${rule}.${name}`, name, value)
    }
  }

  return Object.freeze(Object.fromEntries(Object.entries(result).map(([rule, values]) => [rule, Object.freeze(values)]))) as unknown as AuthSettings
}

/**
 * How far before a new failed login the tick must read earlier ones: twice
 * the brute-force and spraying windows (a decision also looks at the failure
 * before, see `bruteForceTags`), and the login-after-brute-force window.
 */
export function lookbackMs(settings: AuthSettings): number {
  return 1000 * Math.max(2 * settings.bruteForce.windowSeconds, 2 * settings.spraying.windowSeconds, settings.loginAfterBruteForce.windowSeconds)
}

function checked(source: string, name: string, value: unknown): number {
  if (name.endsWith('Seconds')) return positiveNumber(value, source, {max: MAX_WINDOW_SECONDS, unit: 'seconds'})
  if (name === 'maxJitter') return positiveNumber(value, source, {max: 1})
  const count = positiveNumber(value, source, {max: MAX_COUNT})
  const least = name === 'events' ? 3 : 1 // a cadence needs two gaps
  if (!Number.isInteger(count) || count < least) throw new Error(`Expected \`${source}\` to be a whole number of at least ${least}, got \`${String(value)}\``)
  return count
}
