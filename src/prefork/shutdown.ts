/**
 * Kill escalation for a whole fleet: SIGTERM, a grace period on an abortable
 * timer, then SIGKILL for whatever is left, remembering whom it had to kill.
 */

import {systemClock, type Clock, type TimerHandle} from './clock.js'

/** A child as the shutdown sees it. */
export interface Stoppable {
  readonly name: string
  /** Ask it to stop (SIGTERM). */
  terminate(): void
  /** Kill it (SIGKILL), recording why. */
  kill(cause: 'grace' | 'now'): void
}

/**
 * One fleet's shutdown. {@link begin} asks every child to stop and arms the
 * grace timer; when it fires (or a second stop comes) {@link force} kills the
 * rest. Children that start later (none should) are not its concern.
 *
 * @example
 * ```ts
 * shutdown.begin(children, 15_000, () => enqueue({type: 'grace-expired'}))
 * // ... on 'grace-expired' or a second stop:
 * shutdown.force(stillRunning, 'grace')
 * ```
 */
export class Shutdown {
  readonly #clock: Clock
  #timer: TimerHandle | undefined
  #started = false
  readonly #killed: string[] = []

  /** @param clock - what the grace period is timed on */
  constructor(clock: Clock = systemClock) {
    this.#clock = clock
  }

  /** True once {@link begin} was called. */
  get started(): boolean {
    return this.#started
  }

  /** Workers that had to be SIGKILLed, in order. */
  get killed(): string[] {
    return [...this.#killed]
  }

  /** SIGTERM to every child; `onGraceExpired` runs after `graceMs` unless {@link finish} came first. Idempotent. */
  begin(children: Iterable<Stoppable>, graceMs: number, onGraceExpired: () => void): void {
    if (this.#started) return
    this.#started = true
    for (const child of children) child.terminate()
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      onGraceExpired()
    }, graceMs)
  }

  /** SIGKILL to every child given; returns their names (also added to {@link killed}). */
  force(children: Iterable<Stoppable>, cause: 'grace' | 'now'): string[] {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    const names: string[] = []
    for (const child of children) {
      child.kill(cause)
      names.push(child.name)
    }

    this.#killed.push(...names.filter((name) => !this.#killed.includes(name)))
    return names
  }

  /** Everything has exited: disarm the timer. */
  finish(): void {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
