/**
 * Per-worker memory limits. The master itself reads each child's resident
 * memory from /proc (a child's own report could be a lie: the master trusts
 * only the kernel), on ONE timer for the whole fleet, armed only when some
 * worker has a limit: a fleet without limits costs nothing, and one with
 * limits wakes the master once per period to read a few hundred bytes per
 * child. A child over its limit is reported once; the supervisor then
 * retires it (SIGTERM, the grace period, SIGKILL) and restarts it.
 */
import {readFileSync} from 'node:fs'

import {makeDebug} from '../util/lazy-debug.js'

import type {ChildHandle} from './child-handle.js'
import {systemClock, type Clock, type TimerHandle} from './clock.js'
import type {Slot} from './slot.js'

const debug = makeDebug('decnet:supervisor')

/** One MiB: limits are whole MiB (`--max-memory 512` is 512 MiB, as systemd's `MemoryMax=512M`). */
const MIB = 1024 * 1024

/**
 * The resident set size of process `pid` in bytes (`VmRSS` of
 * /proc/PID/status: in kB whatever the page size, and readable for any
 * process, even one running as another user).
 *
 * @returns null when it cannot be read (the process is gone, or is a zombie).
 */
export function residentBytes(pid: number): null | number {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1')
  } catch (error) {
    debug('cannot read the memory of pid %d: %s', pid, (error as Error).message)
    return null
  }

  const at = text.indexOf('\nVmRSS:')
  if (at === -1) return null
  const kb = Number.parseInt(text.slice(at + 7, text.indexOf('\n', at + 7)), 10)
  return Number.isFinite(kb) ? kb * 1024 : null
}

/**
 * Why a worker is being restarted, for the log, its exit record and `decnet
 * fleet status`. The RSS is rounded up, so it always reads as more than the
 * limit.
 *
 * @example
 * ```ts
 * memoryLimitReason(851_443_712, 512) // 'memory limit: RSS 812 MB > 512 MB'
 * ```
 */
export function memoryLimitReason(rssBytes: number, limitMb: number): string {
  return `memory limit: RSS ${Math.ceil(rssBytes / MIB)} MB > ${limitMb} MB`
}

/** The settings {@link MemoryLimits} reads. */
export interface MemoryLimitSettings {
  /** Overrides every worker's own limit (MiB; `--max-memory`). */
  readonly maxMemoryMb: number | undefined
  /** How often to read the children's memory. */
  readonly memoryCheckMs: number
}

/** Where {@link MemoryLimits} gets time and memory readings; by default the system clock and /proc. */
export interface MemoryProbe {
  readonly clock?: Clock
  /** A process's resident bytes, or null when unreadable; default {@link residentBytes}. */
  readonly residentBytes?: (pid: number) => null | number
}

/**
 * Checks every running child against its worker's memory limit, every
 * `intervalMs`, on one timer for the whole fleet.
 *
 * @example
 * ```ts
 * const limits = new MemoryLimits(slots, {maxMemoryMb: 512, memoryCheckMs: 2000}, (child, reason) => enqueue({child, reason, type: 'memory'}))
 * limits.start()   // no timer at all when no worker has a limit
 * // ... when the fleet has stopped:
 * limits.stop()
 * ```
 */
export class MemoryLimits {
  readonly #slots: readonly Slot[]
  readonly #settings: MemoryLimitSettings
  readonly #onExceeded: (child: ChildHandle, reason: string) => void
  readonly #reported = new WeakSet<ChildHandle>()
  readonly #clock: Clock
  readonly #residentBytes: (pid: number) => null | number
  #timer: TimerHandle | undefined

  /**
   * @param slots - the fleet's slots (read at each check: their children change)
   * @param onExceeded - called once per child process found over its limit, with the reason in words
   */
  constructor(slots: readonly Slot[], settings: MemoryLimitSettings, onExceeded: (child: ChildHandle, reason: string) => void, probe: MemoryProbe = {}) {
    this.#slots = slots
    this.#clock = probe.clock ?? systemClock
    this.#residentBytes = probe.residentBytes ?? residentBytes
    this.#settings = settings
    this.#onExceeded = onExceeded
  }

  /** True when at least one worker has a limit. */
  get active(): boolean {
    return this.#slots.some((slot) => this.#limitOf(slot) !== undefined)
  }

  /** Arms the timer (when some worker has a limit). Idempotent. */
  start(): void {
    if (this.#timer !== undefined || !this.active) return
    this.#arm()
  }

  /** Disarms the timer. */
  stop(): void {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(): void {
    // The children's IPC channels keep the master alive; this timer alone must not.
    this.#timer = this.#clock.setTimeout(() => {
      this.check()
      // check() may have led to stop() (a retirement ends nothing, but be safe): re-arm only if still on.
      if (this.#timer !== undefined) this.#arm()
    }, this.#settings.memoryCheckMs, {keepAlive: false})
  }

  /** Reads every running child's memory now and reports those over their limit (each process once). */
  check(): void {
    for (const slot of this.#slots) {
      const {child} = slot
      const limitMb = this.#limitOf(slot)
      // A child already being stopped or killed is not checked: its exit is on the way.
      if (!child || limitMb === undefined || child.pid === 0 || child.asked || child.killCause || this.#reported.has(child)) continue
      const rss = this.#residentBytes(child.pid)
      if (rss === null || rss <= limitMb * MIB) continue
      this.#reported.add(child)
      this.#onExceeded(child, memoryLimitReason(rss, limitMb))
    }
  }

  #limitOf(slot: Slot): number | undefined {
    return this.#settings.maxMemoryMb ?? slot.worker.maxMemoryMb
  }
}
