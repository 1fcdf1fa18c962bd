/**
 * Splits `items` into consecutive slices of at most `size` items, e.g. to keep
 * `IN` lists and multi-row inserts under a database's bound-parameter limit.
 *
 * @example
 * ```ts
 * for (const ips of chunks(allIps, 1000)) await db.selectFrom('attackers').where('ip', 'in', ips)...
 * ```
 */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk size must be a positive integer, got ${size}`)
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}
