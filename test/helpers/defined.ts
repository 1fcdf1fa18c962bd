import assert from 'node:assert/strict'

/**
 * `value`, asserted present (neither undefined nor null): for what a test
 * reads that its type leaves optional (a worker's last exit, a parsed line).
 *
 * @example
 * ```ts
 * const lastExit = defined(outcome.workers[0].lastExit, "w's last exit")
 * ```
 */
export function defined<T>(value: T, what: string): NonNullable<T> {
  assert.ok(value !== undefined && value !== null, `expected ${what}, got ${String(value)}`)
  return value
}
