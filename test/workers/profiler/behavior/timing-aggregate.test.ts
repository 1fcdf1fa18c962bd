import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {GapSketch, SKETCH_ALPHA} from '../../../../src/workers/profiler/behavior/gap-sketch.js'
import {TIMING_WINDOW, TimingAggregate} from '../../../../src/workers/profiler/behavior/timing-aggregate.js'

/** A deterministic pseudo-random source. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state % n
  }
}

/** DECNET's definition, from every time at once: the reference the aggregate must match. */
function reference(times: readonly number[]) {
  const sorted = [...times].sort((a, b) => a - b)
  const gaps = sorted.slice(1).map((t, i) => t - sorted[i])
  if (gaps.length === 0) return undefined
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
  const stdev = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length)
  const ordered = [...gaps].sort((a, b) => a - b)
  const median = (ordered[Math.floor((gaps.length - 1) / 2)] + ordered[Math.floor(gaps.length / 2)]) / 2
  return {
    cv: mean === 0 ? null : Math.round((stdev / mean) * 10_000) / 10_000,
    durationS: (sorted.at(-1)! - sorted[0]) / 1000,
    eventCount: times.length,
    maxIatS: Math.max(...gaps) / 1000,
    meanIatS: Math.round(mean) / 1000,
    median,
    minIatS: Math.min(...gaps) / 1000,
    stdevIatS: Math.round(stdev) / 1000,
  }
}

function fold(times: readonly number[], through = true): TimingAggregate {
  let timing = TimingAggregate.empty()
  for (const t of times) {
    timing.add(t)
    // through the stored JSON, as between ticks
    if (through) timing = TimingAggregate.fromJson(JSON.parse(JSON.stringify(timing.toJson())))
  }

  return timing
}

function assertMatches(timing: TimingAggregate, times: readonly number[], exactMedian: boolean): void {
  const expected = reference(times)!
  const {median, ...exact} = expected
  const {medianIatS, unplaced, ...stats} = timing.stats()
  assert.equal(unplaced, 0)
  assert.deepEqual(stats, exact)
  if (exactMedian) assert.equal(medianIatS, Math.round(median) / 1000)
  else assert.ok(Math.abs(medianIatS! * 1000 - median) <= median * SKETCH_ALPHA + 1, `median ${medianIatS} vs ${median / 1000}`)
}

describe('TimingAggregate', () => {
  it('gives nulls below two events and counts them', () => {
    const timing = TimingAggregate.empty()
    assert.deepEqual(timing.stats(), {cv: null, durationS: null, eventCount: 0, maxIatS: null, meanIatS: null, medianIatS: null, minIatS: null, stdevIatS: null, unplaced: 0})
    timing.add(5)
    assert.equal(timing.stats().eventCount, 1)
    assert.equal(timing.stats().meanIatS, null)
  })

  it('matches the from-scratch statistics of events in time order (median exact within the window, within 1% past it)', () => {
    const rand = random(1)
    for (const count of [2, 5, TIMING_WINDOW, 500]) {
      let t = 1_700_000_000_000
      const times = Array.from({length: count}, () => (t += rand(120_000)))
      assertMatches(fold(times), times, count <= TIMING_WINDOW)
    }
  })

  it('gives the same statistics whatever order the lines arrived in, while each lands within the window or at an end', () => {
    const rand = random(2)
    let t = 1_700_000_000_000
    const times = Array.from({length: 400}, () => (t += 500 + rand(90_000)))
    // arrival order: time order with neighbours swapped within a few places, and some lines from before everything
    const arrival = [...times]
    for (let i = 0; i + 8 < arrival.length; i += 3) {
      const j = i + rand(8)
      ;[arrival[i], arrival[j]] = [arrival[j], arrival[i]]
    }

    // each older than every line before it (so it lands at the start)
    const early = arrival.splice(100, 5).map((ms) => ms - 10 ** 9).sort((x, y) => y - x)
    arrival.push(...early)
    const all = [...arrival]
    const a = fold(all)
    const b = fold([...all].sort((x, y) => x - y))
    assertMatches(a, all, false)
    assert.deepEqual(a.stats(), b.stats())
  })

  it('counts a line older than the window (but not the oldest) without placing it', () => {
    let t = 0
    const times = Array.from({length: 100}, () => (t += 1000))
    const timing = fold(times)
    timing.add(10_500) // between the 10th and 11th event, far behind the latest 32
    const stats = timing.stats()
    assert.equal(stats.eventCount, 101)
    assert.equal(stats.unplaced, 1)
    assert.equal(stats.meanIatS, 1) // the sequence without it
    assert.equal(stats.stdevIatS, 0)
  })

  it('places a line at the very start exactly, however old', () => {
    let t = 100_000
    const times = Array.from({length: 100}, () => (t += 1000))
    const timing = fold(times)
    timing.add(0)
    assertMatches(timing, [...times, 0], false)
  })

  it('splits the gap an out-of-order line falls into (min and stdev exact)', () => {
    const timing = fold([0, 10_000, 20_000])
    timing.add(15_000)
    assert.deepEqual({...timing.stats()}, {cv: 0.3536, durationS: 20, eventCount: 4, maxIatS: 10, meanIatS: 6.667, medianIatS: 5, minIatS: 5, stdevIatS: 2.357, unplaced: 0})
  })

  it('keeps max exact when a split takes one of several largest gaps, and within 1% when it takes the only one', () => {
    const timing = fold([0, 10_000, 20_000, 23_000])
    timing.add(5_000)
    assert.equal(timing.stats().maxIatS, 10)
    timing.add(15_000)
    const max = timing.stats().maxIatS!
    assert.ok(max <= 5 && max >= 5 * (1 - SKETCH_ALPHA), `${max}`)
    timing.add(40_000)
    assert.equal(timing.stats().maxIatS, 17)
  })

  it('counts simultaneous events as zero gaps (cv null when every gap is 0)', () => {
    const timing = fold([7, 7, 7])
    assert.equal(timing.stats().meanIatS, 0)
    assert.equal(timing.stats().cv, null)
    assert.equal(timing.stats().medianIatS, 0)
  })
})

describe('GapSketch', () => {
  it('reads every value back within 1%, and takes values out', () => {
    const sketch = new GapSketch()
    for (const ms of [1, 2, 3, 999, 1000, 1001, 86_400_000, 0]) sketch.add(ms)
    assert.equal(sketch.valueAt(0), 0)
    for (const [rank, ms] of [[1, 1], [2, 2], [3, 3], [4, 999], [7, 86_400_000]] as const) {
      assert.ok(Math.abs(sketch.valueAt(rank) - ms) <= ms * SKETCH_ALPHA, `${rank}: ${sketch.valueAt(rank)} vs ${ms}`)
    }

    sketch.remove(86_400_000)
    sketch.remove(0)
    assert.equal(sketch.count, 6)
    assert.ok(sketch.highest() < 1011)
    assert.deepEqual(GapSketch.fromJson(sketch.toJson()).toJson(), sketch.toJson())
  })

  it('reads its buckets in order after every change, read between changes or not', () => {
    const sketch = new GapSketch()
    const held: number[] = []
    // a bucket added below, between and above those read already; one emptied; one added twice
    for (const [op, ms] of [['add', 5000], ['add', 10], ['read', 0], ['add', 1], ['add', 300], ['read', 0], ['add', 9e6], ['add', 300], ['read', 0],
      ['remove', 10], ['read', 0], ['remove', 300], ['read', 0], ['add', 10], ['remove', 5000]] as const) {
      if (op === 'add') {
        sketch.add(ms)
        held.push(ms)
      } else if (op === 'remove') {
        sketch.remove(ms)
        held.splice(held.indexOf(ms), 1)
      }

      const fresh = new GapSketch()
      for (const value of held) fresh.add(value)
      assert.deepEqual(sketch.toJson(), fresh.toJson())
      const ranks = held.map((_, i) => i)
      assert.deepEqual(sketch.valuesAt(ranks), fresh.valuesAt(ranks))
      const buckets = sketch.toJson().buckets.map(([bucket]) => bucket)
      assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b))
    }
  })
})
