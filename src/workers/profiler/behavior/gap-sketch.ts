/**
 * A histogram of inter-arrival gaps (whole milliseconds) in logarithmic
 * buckets, with deletion: the bounded stand-in for "every gap" that the
 * median needs. A gap of g >= 1 ms goes to bucket ceil(log_γ g), with
 * γ = (1 + α) / (1 − α) and α = 1%; a bucket is read back as 2γ^i / (γ + 1),
 * which is within α (relative) of every gap the bucket holds (DDSketch's
 * mapping). Gaps of 0 ms have their own exact count. Pure; no I/O.
 *
 * Bounded by construction: gaps are whole milliseconds between ISO-8601
 * times of years 0000-9999 (below 3.2e14 ms), so there are at most ~1,700
 * buckets; an attacker's gaps usually fill tens.
 */

/** The sketch's relative accuracy: a value read back is within this fraction of the gaps its bucket holds. */
export const SKETCH_ALPHA = 0.01
const GAMMA = (1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA)
const LOG_GAMMA = Math.log(GAMMA)

/** A sketch as stored: the zero count, then `[bucket, count]` pairs in bucket order. */
export interface SketchJson {
  zero: number
  buckets: Array<[number, number]>
}

/** The bucket of a gap of `ms` >= 1. */
export function bucketOf(ms: number): number {
  return Math.ceil(Math.log(ms) / LOG_GAMMA)
}

/** The value a bucket is read back as (ms). */
export function bucketValue(bucket: number): number {
  return (2 * GAMMA ** bucket) / (GAMMA + 1)
}

/**
 * The gaps' histogram.
 *
 * @example
 * ```ts
 * const sketch = new GapSketch()
 * sketch.add(1000); sketch.add(3000); sketch.add(2000)
 * sketch.valueAt(1) // ~2000 (within 1%)
 * ```
 */
export class GapSketch {
  #zero = 0
  readonly #counts = new Map<number, number>()
  #total = 0
  /** The buckets in ascending order, while no bucket was added or emptied since they were sorted (a fold reads them twice a tick). */
  #sorted: number[] | undefined

  /** The sketch stored as `json`. */
  static fromJson(json: SketchJson): GapSketch {
    const sketch = new GapSketch()
    sketch.#zero = json.zero
    sketch.#total = json.zero
    for (const [bucket, count] of json.buckets) {
      sketch.#counts.set(bucket, count)
      sketch.#total += count
    }

    return sketch
  }

  /** How many gaps it holds. */
  get count(): number {
    return this.#total
  }

  add(ms: number): void {
    this.#total++
    if (ms <= 0) {
      this.#zero++
      return
    }

    const bucket = bucketOf(ms)
    const count = this.#counts.get(bucket)
    if (count === undefined) this.#sorted = undefined
    this.#counts.set(bucket, (count ?? 0) + 1)
  }

  /** Takes out one gap of `ms` (one that was added). */
  remove(ms: number): void {
    if (ms <= 0) {
      if (this.#zero > 0) {
        this.#zero--
        this.#total--
      }

      return
    }

    // the bucket it went to; a neighbour if a floating-point edge put it there
    const bucket = bucketOf(ms)
    for (const candidate of [bucket, bucket - 1, bucket + 1]) {
      const count = this.#counts.get(candidate)
      if (count === undefined) continue
      if (count === 1) {
        this.#counts.delete(candidate)
        this.#sorted = undefined
      } else {
        this.#counts.set(candidate, count - 1)
      }

      this.#total--
      return
    }
  }

  /** The value (ms) of the gap at 0-based `rank` in ascending order: exact for 0, within α otherwise. */
  valueAt(rank: number): number {
    return this.valuesAt([rank])[0]
  }

  /** {@link valueAt} of each of `ranks` (ascending), in one pass. */
  valuesAt(ranks: readonly number[]): number[] {
    const values: number[] = []
    let next = 0
    while (next < ranks.length && ranks[next] < this.#zero) values[next++] = 0
    let seen = this.#zero
    for (const bucket of this.#buckets()) {
      seen += this.#counts.get(bucket)!
      while (next < ranks.length && ranks[next] < seen) values[next++] = bucketValue(bucket)
      if (next === ranks.length) break
    }

    while (next < ranks.length) values[next++] = Number.NaN
    return values
  }

  /** The highest bucket's value (ms), or 0 when only zero gaps (or none) are held. */
  highest(): number {
    let top = Number.NEGATIVE_INFINITY
    for (const bucket of this.#counts.keys()) if (bucket > top) top = bucket
    return top === Number.NEGATIVE_INFINITY ? 0 : bucketValue(top)
  }

  toJson(): SketchJson {
    const buckets = this.#buckets().map((bucket): [number, number] => [bucket, this.#counts.get(bucket)!])
    return {buckets, zero: this.#zero}
  }

  /** The buckets held, ascending. */
  #buckets(): readonly number[] {
    this.#sorted ??= [...this.#counts.keys()].sort((a, b) => a - b)
    return this.#sorted
  }
}
