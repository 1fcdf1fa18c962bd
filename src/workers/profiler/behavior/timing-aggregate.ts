/**
 * An attacker's inter-arrival statistics kept incrementally from event
 * times, never from its stored lines. Pure; no I/O.
 *
 * Events are *placed* into the time-ordered sequence their gaps come from.
 * What is kept: how many are placed, the first and last time, the latest
 * {@link TIMING_WINDOW} times, the exact sum of squared gaps (a bigint of
 * ms²), the smallest and largest gap, and a {@link GapSketch} of every gap.
 *
 * Where an event lands decides what is exact:
 * - at or after the last time (time order: nearly every line), at or before
 *   the first, or anywhere among the latest {@link TIMING_WINDOW} times: its
 *   neighbours are known, so the gap it splits is taken out and its two
 *   parts put in. Count, mean, stdev, min and cv are then exactly those of
 *   the sorted sequence, whatever order the lines arrived in; the median is
 *   exact while the window holds every placed time, else within the
 *   sketch's 1%; max is exact unless a split took the only largest gap, and
 *   then within 1% until a larger one comes;
 * - earlier than the window but after the first time: its neighbours are
 *   unknown. It is counted (`eventCount`, `unplaced`) but not placed: the
 *   gap statistics describe the sequence without it.
 *
 * Events are folded one at a time in log order, so the result never depends
 * on how lines were cut into batches.
 */
import type {BehaviorTiming} from '../../../attackers/attacker-behavior.js'
import type {SketchJson} from './gap-sketch.js'

import {GapSketch} from './gap-sketch.js'

/** Latest placed times kept: an event among them is placed exactly, whatever order it arrived in. */
export const TIMING_WINDOW = 32

/** The aggregate as stored (times in ms since the epoch). */
export interface TimingJson {
  /** Events placed in the sequence. */
  n: number
  /** Events counted but not placed (see the module's doc). */
  late: number
  first: null | number
  last: null | number
  /** The latest min(n, TIMING_WINDOW) placed times, ascending. */
  window: number[]
  /** Sum of squared gaps, ms², as decimal text (exact). */
  sumSq: string
  min: null | number
  max: null | number
  /** How many gaps equal `max`; 0 after a split took the only largest gap (`max` is then the sketch's estimate). */
  maxCount: number
  sketch: SketchJson
}

/** The statistics `decnet attackers show` gives (seconds; null with fewer than two placed events): its `behavior.timing`. */
export type TimingStats = BehaviorTiming

/**
 * The running aggregate.
 *
 * @example
 * ```ts
 * const timing = TimingAggregate.empty()
 * for (const ms of [0, 60_000, 120_000]) timing.add(ms)
 * timing.stats().meanIatS // 60
 * ```
 */
export class TimingAggregate {
  #n: number
  #late: number
  #first: null | number
  #last: null | number
  readonly #window: number[]
  #sumSq: bigint
  #min: null | number
  #max: null | number
  #maxCount: number
  readonly #sketch: GapSketch

  private constructor(json: TimingJson) {
    this.#n = json.n
    this.#late = json.late
    this.#first = json.first
    this.#last = json.last
    this.#window = [...json.window]
    this.#sumSq = BigInt(json.sumSq)
    this.#min = json.min
    this.#max = json.max
    this.#maxCount = json.maxCount
    this.#sketch = GapSketch.fromJson(json.sketch)
  }

  static empty(): TimingAggregate {
    return new TimingAggregate({first: null, last: null, late: 0, max: null, maxCount: 0, min: null, n: 0, sketch: {buckets: [], zero: 0}, sumSq: '0', window: []})
  }

  static fromJson(json: TimingJson): TimingAggregate {
    return new TimingAggregate(json)
  }

  /** Counts an event at `ms` (ms since the epoch). */
  add(ms: number): void {
    if (this.#first === null || this.#last === null) {
      this.#first = this.#last = ms
      this.#window.push(ms)
      this.#n = 1
      return
    }

    if (ms >= this.#last) {
      this.#addGap(ms - this.#last)
      this.#last = ms
      this.#window.push(ms)
    } else if (ms <= this.#first && this.#n > TIMING_WINDOW) {
      // before every placed time, outside the window: its one neighbour is the first time
      this.#addGap(this.#first - ms)
      this.#first = ms
      this.#n++
      return
    } else if (this.#n <= TIMING_WINDOW || ms >= this.#window[0]) {
      // the window holds its neighbours (all placed times, or the latest ones around it)
      const at = insertionPoint(this.#window, ms)
      if (at === 0) {
        this.#addGap(this.#window[0] - ms)
        this.#first = ms
      } else {
        const before = this.#window[at - 1]
        const after = this.#window[at]
        this.#removeGap(after - before)
        this.#addGap(ms - before)
        this.#addGap(after - ms)
      }

      this.#window.splice(at, 0, ms)
    } else {
      this.#late++
      return
    }

    this.#n++
    if (this.#window.length > TIMING_WINDOW) this.#window.shift()
  }

  stats(): TimingStats {
    const eventCount = this.#n + this.#late
    const gaps = this.#n - 1
    if (gaps < 1 || this.#first === null || this.#last === null) {
      return {eventCount, durationS: null, meanIatS: null, medianIatS: null, stdevIatS: null, minIatS: null, maxIatS: null, cv: null, unplaced: this.#late}
    }

    const span = this.#last - this.#first
    const mean = span / gaps
    // population variance in ms², exactly: (k·Σg² − (Σg)²) / k²
    const k = BigInt(gaps)
    const spread = Number(k * this.#sumSq - BigInt(span) * BigInt(span))
    const stdev = Math.sqrt(Math.max(0, spread)) / gaps
    return {
      eventCount,
      durationS: seconds(span),
      meanIatS: seconds(mean),
      medianIatS: seconds(this.#median(gaps)),
      stdevIatS: seconds(stdev),
      minIatS: seconds(this.#min ?? 0),
      maxIatS: seconds(this.#max ?? 0),
      cv: mean === 0 ? null : Math.round((stdev / mean) * 10_000) / 10_000,
      unplaced: this.#late,
    }
  }

  toJson(): TimingJson {
    return {
      first: this.#first,
      last: this.#last,
      late: this.#late,
      max: this.#max,
      maxCount: this.#maxCount,
      min: this.#min,
      n: this.#n,
      sketch: this.#sketch.toJson(),
      sumSq: this.#sumSq.toString(),
      window: [...this.#window],
    }
  }

  /** The median gap (ms): exact while the window holds every placed time, else the sketch's. */
  #median(gaps: number): number {
    const lo = Math.floor((gaps - 1) / 2)
    const hi = Math.floor(gaps / 2)
    if (this.#n <= TIMING_WINDOW) {
      const sorted = this.#window.slice(1).map((ms, i) => ms - this.#window[i]).sort((a, b) => a - b)
      return (sorted[lo] + sorted[hi]) / 2
    }

    const [low, high] = this.#sketch.valuesAt([lo, hi])
    return (low + high) / 2
  }

  #addGap(gap: number): void {
    this.#sumSq += square(gap)
    this.#sketch.add(gap)
    if (this.#min === null || gap < this.#min) this.#min = gap
    // a gap as large as an estimated max is the max, exactly
    if (this.#max === null || gap > this.#max || (this.#maxCount === 0 && gap >= this.#max)) {
      this.#max = gap
      this.#maxCount = 1
    } else if (gap === this.#max) {
      this.#maxCount++
    }
  }

  /** Takes out a gap that a new event splits (its parts are added right after, so min stays exact). */
  #removeGap(gap: number): void {
    this.#sumSq -= square(gap)
    this.#sketch.remove(gap)
    if (gap === this.#max && this.#maxCount > 1) this.#maxCount--
    else if (gap === this.#max) {
      // the largest left is in the sketch's top bucket
      this.#max = Math.min(gap, Math.round(this.#sketch.highest()))
      this.#maxCount = 0
    }
  }
}

function square(gap: number): bigint {
  // exact as a double below 2^26.5 ms (about 26 hours)
  return gap < 94_906_265 ? BigInt(gap * gap) : BigInt(gap) * BigInt(gap)
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000
}

/** Where `ms` goes in ascending `sorted` (after equal values). */
function insertionPoint(sorted: readonly number[], ms: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] <= ms) lo = mid + 1
    else hi = mid
  }

  return lo
}
