/**
 * Delivers the alert outbox to the webhook: the oldest alerts first, a few at
 * a time, each deleted once the receiver answered 2xx; after a failed
 * delivery it waits (1 s, doubling, at most the cap, with jitter) and tries
 * again. It runs in a worker of its own, so a slow or absent receiver never
 * holds up a tick: ticks only add rows.
 */
import type {Kysely} from 'kysely'

import {setTimeout as sleep} from 'node:timers/promises'

import type {AttackNames} from '../../alerts/alert-payload.js'
import type {Delivery} from '../../alerts/post-webhook.js'
import type {Database} from '../../db/schema.js'

import {alertPayload} from '../../alerts/alert-payload.js'
import {describeDelivery, postWebhook} from '../../alerts/post-webhook.js'
import {displayWebhookUrl} from '../../alerts/webhook-url.js'
import {forgetAlerts, oldestAlerts, queuedAlerts} from './outbox.js'

/** The first wait after a failed delivery. */
export const FIRST_BACKOFF_MS = 1000

/** How the sender sends. */
export interface SenderOptions {
  readonly url: URL
  readonly secret: string
  /** For an https receiver: the CA certificates (PEM) its certificate is checked against, instead of the system's (`--webhook-ca`). */
  readonly ca?: string
  /** Alerts in flight at once. */
  readonly concurrency: number
  /** The longest wait between two attempts after failures. */
  readonly maxBackoffMs: number
  /** How long one request may take. */
  readonly timeoutMs: number
  /** Technique and tactic names for the payloads (from the catalog in use). */
  readonly names?: AttackNames
  /** Says what the sender is doing (the worker's `ctx.status`). */
  readonly status?: (text: string) => void
  /** Replaces the POST (tests). */
  readonly post?: typeof postWebhook
  /** Randomness for the jitter (tests). */
  readonly random?: () => number
}

/** What a pass did. */
export interface SendResult {
  readonly delivered: number
  readonly failures: number
}

/**
 * The sender. One per worker: it keeps the backoff between passes.
 *
 * @example
 * ```ts
 * const sender = new WebhookSender(db, {url, secret, concurrency: 4, maxBackoffMs: 300_000, timeoutMs: 10_000})
 * await sender.pass(signal) // delivers everything queued, waiting out failures, until the queue is empty or signal fires
 * ```
 */
export class WebhookSender {
  readonly #db: Kysely<Database>
  readonly #options: SenderOptions
  readonly #shown: string
  #backoffMs = 0
  /** Failed attempts in a row (0: the receiver took the last one). */
  #failing = 0

  constructor(db: Kysely<Database>, options: SenderOptions) {
    this.#db = db
    this.#options = options
    this.#shown = displayWebhookUrl(options.url)
  }

  /**
   * Delivers until the outbox is empty or `signal` fires; after a failure,
   * waits and tries again, unless `once` (then it returns, the rest stays queued).
   */
  async pass(signal: AbortSignal, once = false): Promise<SendResult> {
    let delivered = 0
    let failures = 0
    while (!signal.aborted) {
      const alerts = await oldestAlerts(this.#db, this.#options.concurrency)
      if (alerts.length === 0) break
      const outcomes = await Promise.all(alerts.map((alert) => this.#send(alert, signal)))
      const done = alerts.filter((_, at) => outcomes[at].ok).map((alert) => alert.id)
      await forgetAlerts(this.#db, done)
      delivered += done.length
      const failed = outcomes.find((outcome) => !outcome.ok)
      if (failed === undefined) {
        this.#recovered()
        continue
      }

      failures++
      const wait = this.#failed(failed)
      if (once || signal.aborted) break
      this.#options.status?.(`delivery to ${this.#shown} failed (${describeDelivery(failed)}): ${await queuedAlerts(this.#db)} alerts queued; retry in ${Math.round(wait / 100) / 10} s`)
      await sleep(wait, undefined, {signal}).catch(() => {}) // aborted: the loop ends
    }

    if (delivered > 0) console.log(`webhook: delivered ${delivered} alerts to ${this.#shown}`)
    return {delivered, failures}
  }

  async #send(alert: Parameters<typeof alertPayload>[0], signal: AbortSignal): Promise<Delivery> {
    const payload = alertPayload(alert, this.#options.names)
    const post = this.#options.post ?? postWebhook
    const {ca, secret, timeoutMs, url} = this.#options
    return post({body: JSON.stringify(payload), id: payload.id, secret, signal, timeoutMs, url, ...(ca === undefined ? {} : {ca})})
  }

  /** A failure: the next wait (doubling up to the cap, ±10% jitter); said once per outage. */
  #failed(delivery: Delivery): number {
    if (this.#failing === 0) {
      console.warn(`webhook: delivery to ${this.#shown} failed (${describeDelivery(delivery)}); retrying with backoff (at most ${this.#options.maxBackoffMs / 1000} s apart)`)
    }

    this.#failing++
    this.#backoffMs = Math.min(this.#options.maxBackoffMs, this.#backoffMs === 0 ? FIRST_BACKOFF_MS : this.#backoffMs * 2)
    const jitter = 1 + ((this.#options.random ?? Math.random)() - 0.5) / 5
    return Math.round(this.#backoffMs * jitter)
  }

  #recovered(): void {
    if (this.#failing > 0) console.log(`webhook: ${this.#shown} takes deliveries again (after ${this.#failing} failed attempts)`)
    this.#failing = 0
    this.#backoffMs = 0
  }
}
