/**
 * Other work on the machine skews every time the benchmark measures. The
 * gate samples how busy the machine is (1 s, all CPUs, /proc/stat) before a
 * measurement and, while it is busier than `threshold`, waits — spending at
 * most `budgetS` seconds over the whole run. Every sample is kept for the
 * report.
 */
import {setTimeout as delay} from 'node:timers/promises'

import {machineBusy} from './machine.js'

/** Waits for quiet moments within a total time budget. */
export class QuietGate {
  /** Busy fractions (0..1) seen just before each measurement. */
  samples = []
  #budgetMs
  #threshold
  #progress

  constructor({budgetS, progress, threshold}) {
    this.#budgetMs = budgetS * 1000
    this.#threshold = threshold
    this.#progress = progress
  }

  /** Resolves when the machine is quiet (or the budget is spent); returns the last busy fraction. */
  async wait(what) {
    let busy = await machineBusy()
    while (busy > this.#threshold && this.#budgetMs > 0) {
      this.#progress(`machine ${(busy * 100).toFixed(0)}% busy with other work before ${what}; waiting`)
      const t0 = performance.now()
      await delay(2000)
      busy = await machineBusy()
      this.#budgetMs -= performance.now() - t0
    }
    this.samples.push(busy)
    return busy
  }
}
