/**
 * What a supervisor runs on besides its options: the clock and the way it
 * starts children. The CLI never sets these; tests replace them to drive a
 * fleet's decisions without forking or waiting.
 */
import type {ChildFactory} from './child-handle.js'
import type {Clock} from './clock.js'

/**
 * A supervisor's collaborators. The clock and the factory go together: a
 * child's `startedAt` is read on the clock the supervisor uses.
 *
 * @example
 * ```ts
 * const supervisor = new Supervisor({fleet}, {children: fakeChildren, clock: manualClock, residentBytes: () => 0})
 * ```
 */
export interface SupervisorRuntime {
  /** Default: the system clock (`systemClock`). */
  readonly clock?: Clock
  /** Default: node:cluster (`liveChildren`). */
  readonly children?: ChildFactory
  /** The restart backoff's jitter, in [0, 1). Default: `Math.random`. */
  readonly random?: () => number
  /** A process's resident bytes (for memory limits), or null when unreadable. Default: read from /proc. */
  readonly residentBytes?: (pid: number) => null | number
}
