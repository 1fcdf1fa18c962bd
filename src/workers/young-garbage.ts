/**
 * Collecting a worker's young garbage between passes rather than in them.
 *
 * A profiler tick of 1,000 lines allocates ~6.6 MB (rows read, folded
 * attackers, the write's texts), so V8's nursery fills about every second
 * tick, and its scavenge then runs inside the tick, while the tick holds its
 * transaction and the cursor row lock: measured on this project's 2-CPU
 * machine, 10-25 ms in every second tick of a 30 ms tick. All of a worker's
 * allocation happens in its passes, so a scavenge at the end of each pass,
 * while the worker has nothing else to do until the next one, leaves the
 * next pass an empty nursery: in the same measurement no tick had a scavenge
 * in it any more. It is not less work (the same garbage is collected), it is
 * the same work out of the way.
 *
 * Node runs V8's collector on demand only with `--expose-gc`; a worker
 * cannot choose its command line (the supervisor forks it), so the flag is
 * set from inside, and the function taken from a fresh context, once. Where
 * that fails, nothing is collected and nothing else changes.
 */
import createDebug from 'debug'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

const debug = createDebug('decnet:workers')

type Collect = (options: {type: 'major' | 'minor'}) => void

/**
 * Runs minor garbage collections (a scavenge of the young generation) on
 * demand. V8's collector is found on the first {@link collect} and kept by
 * the instance (a worker loop holds one), not by the module.
 *
 * @example
 * ```ts
 * const garbage = new YoungGarbage()
 * await pass(signal)
 * garbage.collect() // between passes, not in the next one
 * ```
 */
export class YoungGarbage {
  /** V8's `gc` once looked for: null when it cannot be had. */
  #collect: Collect | null | undefined

  /** Runs a minor collection now. False when this process cannot (see the module comment). */
  collect(): boolean {
    this.#collect ??= collector()
    if (this.#collect === null) return false
    this.#collect({type: 'minor'})
    return true
  }

  /**
   * Runs full collections (the old generation too) now, `times` times: for a
   * worker that has just dropped much at once (what only its start needed, a
   * rule set a reload replaced) and is about to idle, when V8 would not
   * collect again for a long time (an idle process allocates nothing, so
   * nothing triggers a collection, and what that garbage holds stays in the
   * process). False when this process cannot (see the module comment). The
   * collector is looked for once per instance: each look may create a context
   * (`runInNewContext`), which costs memory of its own until collected.
   *
   * @example
   * ```ts
   * const garbage = new YoungGarbage()
   * await loadEverything()
   * garbage.collectAll()
   * ```
   */
  collectAll(times = 2): boolean {
    this.#collect ??= collector()
    if (this.#collect === null) return false
    for (let i = 0; i < times; i++) this.#collect({type: 'major'})
    return true
  }
}

/** V8's `gc`, or null when it cannot be had. */
function collector(): Collect | null {
  try {
    let exposed: unknown = globalThis.gc // node --expose-gc
    if (exposed === undefined) {
      setFlagsFromString('--expose-gc')
      exposed = runInNewContext('gc')
    }

    return typeof exposed === 'function' ? (exposed as Collect) : null
  } catch (error) {
    debug('no garbage collection on demand: %s', (error as Error).message)
    return null
  }
}
