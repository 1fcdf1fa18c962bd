/**
 * A memory of string keys that stays small: at most `maxEntries` entries
 * (when full, it starts over: cheaper than tracking which entry is oldest,
 * and the values are only ever a cache of what can be recomputed), and keys
 * longer than `maxKeyChars` are not kept (rare, and a flood of them must not
 * fill memory). Pure; no I/O.
 *
 * @example
 * ```ts
 * const hashes = new BoundedMap<string>(10_000, 512)
 * const sha256 = hashes.get(value) ?? hashOf(value)
 * hashes.set(value, sha256)
 * ```
 */
export class BoundedMap<V> {
  readonly #entries = new Map<string, V>()
  readonly #maxEntries: number
  readonly #maxKeyChars: number

  constructor(maxEntries: number, maxKeyChars = Number.POSITIVE_INFINITY) {
    this.#maxEntries = maxEntries
    this.#maxKeyChars = maxKeyChars
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size
  }

  get(key: string): V | undefined {
    return this.#entries.get(key)
  }

  /** Keeps `value` under `key`, unless the key is too long; a full memory is emptied first. */
  set(key: string, value: V): void {
    if (key.length > this.#maxKeyChars) return
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear()
    this.#entries.set(key, value)
  }
}
