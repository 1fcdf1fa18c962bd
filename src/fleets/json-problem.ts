/**
 * Says why `value` would not survive `JSON.stringify` / `JSON.parse`
 * unchanged (the trip worker options make over IPC), or `null` when it would.
 * Only plain objects, arrays, strings, finite numbers, booleans and `null`
 * pass; cycles, `undefined`, functions, bigints, symbols, `NaN`, class
 * instances (a `Date`, a `Map`) do not.
 *
 * @param where - how to name `value` in the message, e.g. `options`.
 *
 * @example
 * ```ts
 * jsonProblem({interval: 60}, 'options')      // null
 * jsonProblem({when: new Date()}, 'options')  // 'options.when is a Date, not JSON'
 * ```
 */
export function jsonProblem(value: unknown, where: string): null | string {
  return check(value, where, new Set())
}

function check(value: unknown, where: string, seen: Set<object>): null | string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${where} is ${value}, not JSON`
  if (value === undefined) return `${where} is undefined, not JSON`
  if (typeof value !== 'object') return `${where} is a ${typeof value}, not JSON`
  if (seen.has(value)) return `${where} is circular`
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        const problem = check(item, `${where}[${i}]`, seen)
        if (problem) return problem
      }

      return null
    }

    const proto = Object.getPrototypeOf(value) as {constructor?: {name?: string}} | null
    if (proto !== Object.prototype && proto !== null) {
      return `${where} is a ${proto?.constructor?.name ?? 'class instance'}, not JSON`
    }

    for (const [key, item] of Object.entries(value)) {
      const problem = check(item, `${where}.${key}`, seen)
      if (problem) return problem
    }

    return null
  } finally {
    seen.delete(value)
  }
}
