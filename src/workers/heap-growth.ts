/**
 * A worker's old generation grown by a fixed, smaller factor than V8's own.
 *
 * A profiler cold build keeps little alive between ticks (88 MiB of heap
 * after a full collection, in the middle of a 1M-line build: caches, the
 * batch read ahead), but each tick's lines and rows live to the end of the
 * tick, so they outlive the young generation and die in the old one. V8 lets
 * the old generation grow to several times what survived its last full
 * collection before it collects again (its factor depends on how fast it
 * collects; measured: the heap reached 500 MiB over ~150 MiB live), and that
 * growth, not what is alive, made the build's peak RSS: 822 MiB for 1M lines
 * on SQLite. Grown by half at most, the same build peaked at 546-558 MiB, for
 * no measurable CPU (docs/benchmarks.md, "Profiler cold build: where the time
 * and the memory go").
 *
 * V8 reads the factor each time it sets the next limit, so it can be set
 * from inside (a worker cannot choose its command line: the supervisor forks
 * it); it is process-wide.
 */
import createDebug from 'debug'
import {setFlagsFromString} from 'node:v8'

const debug = createDebug('decnet:workers')

/** The profiler worker's factor: the old generation grows by 50% of what survived before the next full collection. */
export const PROFILER_HEAP_GROWING_PERCENT = 50

/**
 * Makes V8 grow this process's old generation by `percent` of what survived
 * its last full collection (V8's `--heap-growing-percent`). False when the
 * flag could not be set (nothing else changes then).
 *
 * @example
 * ```ts
 * limitHeapGrowth(PROFILER_HEAP_GROWING_PERCENT) // in the profiler worker, before its first pass
 * ```
 */
export function limitHeapGrowth(percent: number): boolean {
  if (!Number.isInteger(percent) || percent < 1) throw new Error(`Expected \`percent\` to be a positive integer, got \`${percent}\``)
  try {
    setFlagsFromString(`--heap-growing-percent=${percent}`)
    return true
  } catch (error) {
    debug('heap growth left to V8: %s', (error as Error).message)
    return false
  }
}
