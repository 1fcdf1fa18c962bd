/**
 * Keeps a held lease alive while its holder works: renews it on a timer well
 * inside its lifetime, and fires `lost` when it cannot (another instance took
 * it, or renewals failed until it lapsed by this instance's own clock).
 */
import type {Lease} from './lease.js'

import {clockTime} from './lease.js'

/** What a {@link LeaseKeeper} reports. */
export interface LeaseKeeperEvents {
  /** Renewed: the lease now runs until `expiresAt` (the database's clock). */
  renewed(expiresAt: string): void
  /** The lease is gone; `why` is one line for the operator. Fired at most once. */
  lost(why: string): void
  /** A renewal failed (the lease may still be valid). */
  failed(error: unknown): void
}

/**
 * Renews `lease` every `renewMs` from {@link LeaseKeeper.start} until
 * {@link LeaseKeeper.stop}. One renewal at a time; a renewal that hangs does
 * not stop the deadline timer from declaring the lease lost when it lapses.
 */
export class LeaseKeeper {
  readonly #lease: Lease
  readonly #renewMs: number
  readonly #events: LeaseKeeperEvents
  #timer: NodeJS.Timeout | undefined
  #deadline: NodeJS.Timeout | undefined
  #running = false
  #inFlight = false
  #lost = false
  #lastError: unknown

  constructor(lease: Lease, renewMs: number, events: LeaseKeeperEvents) {
    this.#lease = lease
    this.#renewMs = renewMs
    this.#events = events
  }

  /** Starts renewing a lease that was just acquired (or renewed). */
  start(): void {
    this.#running = true
    this.#armDeadline()
    this.#timer = setInterval(() => void this.#renew(), this.#renewMs)
  }

  /** Stops renewing (the lease itself is left as it is). */
  stop(): void {
    this.#running = false
    clearInterval(this.#timer)
    clearTimeout(this.#deadline)
    this.#timer = undefined
    this.#deadline = undefined
  }

  async #renew(): Promise<void> {
    if (this.#inFlight || this.#lost) return
    this.#inFlight = true
    try {
      const state = await this.#lease.acquire()
      if (!this.#running) return
      if (state.held) {
        this.#lastError = undefined
        this.#armDeadline()
        this.#events.renewed(state.expiresAt)
      } else {
        this.#lose(`${state.holder} holds it now (until ${clockTime(state.expiresAt)})`)
      }
    } catch (error) {
      this.#lastError = error
      this.#events.failed(error)
    } finally {
      this.#inFlight = false
    }
  }

  /** (Re)arms the timer that declares the lease lost when it lapses by this instance's clock. */
  #armDeadline(): void {
    clearTimeout(this.#deadline)
    if (!this.#running) return
    const leftMs = Math.max(0, this.#lease.validUntil - performance.now())
    this.#deadline = setTimeout(() => {
      const why = this.#lastError instanceof Error ? `: ${this.#lastError.message}` : ''
      if (!this.#lease.valid) this.#lose(`it lapsed before it could be renewed${why}`)
      else this.#armDeadline()
    }, leftMs + 1)
  }

  #lose(why: string): void {
    if (this.#lost) return
    this.#lost = true
    this.stop()
    this.#lease.forget()
    this.#events.lost(why)
  }
}
