/**
 * Queues alerts into `alert_outbox`, inside the transaction of the tick that
 * found them (profiler: a new attacker; ttp: a technique an attacker did not
 * have), so an alert exists exactly when its cause was committed. The queue
 * is bounded: past `maxQueue` rows the oldest are dropped, counted and
 * reported (`onDrop`), so a receiver that is away for days costs a bounded
 * table, never a tick that refuses to commit.
 */
import type {Transaction} from 'kysely'

import type {NewAlert} from '../../alerts/alert.js'
import type {Database, NewOutboxAlert} from '../../db/schema.js'

import {alertKey} from '../../alerts/alert.js'
import {positiveNumber} from '../../util/positive-number.js'
import {chunks} from '../../util/chunks.js'

/** Alerts kept waiting at most, unless told otherwise. */
export const DEFAULT_MAX_QUEUE = 10_000

// ten parameters a row, far below SQLite's bound-parameter limit
const ROWS_PER_INSERT = 500

/** What one call queued. */
export interface QueueResult {
  /** Alerts added (those already queued are not added again). */
  readonly queued: number
  /** The oldest alerts dropped to stay within the bound. */
  readonly dropped: number
}

/** Where a tick puts the alerts it found, inside its transaction (an {@link AlertQueue}). */
export interface AlertSink {
  queue(trx: Transaction<Database>, alerts: readonly NewAlert[]): Promise<QueueResult>
}

/**
 * The alert queue a tick writes to: present in a worker's tick only when the
 * fleet has a webhook (the worker's `alerts` option).
 *
 * @example
 * ```ts
 * const queue = new AlertQueue({maxQueue: 10_000, onDrop: (n) => console.warn(`dropped ${n}`)})
 * await db.transaction().execute((trx) => queue.queue(trx, [{kind: 'attacker.first_seen', attackerIp, ...}]))
 * ```
 */
export class AlertQueue implements AlertSink {
  readonly #maxQueue: number
  readonly #onDrop: (dropped: number, maxQueue: number) => void

  constructor(options: {maxQueue?: number; onDrop?: (dropped: number, maxQueue: number) => void} = {}) {
    this.#maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE
    if (!Number.isSafeInteger(this.#maxQueue) || this.#maxQueue < 1) throw new Error(`Expected \`maxQueue\` to be a positive whole number, got \`${options.maxQueue}\``)
    this.#onDrop = options.onDrop ?? (() => {})
  }

  /**
   * Reads a worker's `alerts` option (`{maxQueue}`, set by `decnet fleet
   * --webhook`): a queue, or undefined when the fleet has no webhook.
   *
   * @throws NumberValueError / Error naming the option.
   */
  static fromOption(option: unknown, onDrop?: (dropped: number, maxQueue: number) => void): AlertQueue | undefined {
    if (option === undefined || option === null || option === false) return undefined
    if (typeof option !== 'object' || Array.isArray(option)) throw new Error(`Expected \`alerts\` to be an object ({maxQueue}), got ${JSON.stringify(option)}`)
    const {maxQueue} = option as {maxQueue?: unknown}
    return new AlertQueue({maxQueue: maxQueue === undefined ? undefined : Math.floor(positiveNumber(maxQueue, 'alerts.maxQueue')), onDrop})
  }

  /** The bound. */
  get maxQueue(): number {
    return this.#maxQueue
  }

  /** Queues `alerts` (skipping those already queued), then drops the oldest beyond the bound. */
  async queue(trx: Transaction<Database>, alerts: readonly NewAlert[]): Promise<QueueResult> {
    if (alerts.length === 0) return {dropped: 0, queued: 0}
    const queuedAt = new Date().toISOString()
    let queued = 0
    for (const chunk of chunks(alerts.map((alert) => outboxRow(alert, queuedAt)), ROWS_PER_INSERT)) {
      const result = await trx.insertInto('alert_outbox').values(chunk).onConflict((oc) => oc.column('alert_key').doNothing()).executeTakeFirst()
      queued += Number(result.numInsertedOrUpdatedRows ?? 0)
    }

    const dropped = queued === 0 ? 0 : await this.#trim(trx)
    if (dropped > 0) this.#onDrop(dropped, this.#maxQueue)
    return {dropped, queued}
  }

  /** Deletes the oldest rows beyond the bound; how many. */
  async #trim(trx: Transaction<Database>): Promise<number> {
    const {count} = await trx.selectFrom('alert_outbox').select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow()
    const excess = Number(count) - this.#maxQueue
    if (excess <= 0) return 0
    const result = await trx
      .deleteFrom('alert_outbox')
      .where('id', 'in', (eb) => eb.selectFrom('alert_outbox').select('id').orderBy('id').limit(excess))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

/** The `alert_outbox` row of `alert`. */
function outboxRow(alert: NewAlert, queuedAt: string): NewOutboxAlert {
  const details: Record<string, string> = {}
  if (alert.decky !== undefined) details.decky = alert.decky
  if (alert.service !== undefined) details.service = alert.service
  if (alert.ruleId !== undefined) details.ruleId = alert.ruleId
  return {
    alert_key: alertKey(alert),
    attacker_ip: alert.attackerIp,
    details: JSON.stringify(details),
    kind: alert.kind,
    log_id: alert.logId,
    queued_at: queuedAt,
    seen_at: alert.seenAt,
    tactic: alert.tactic,
    technique_id: alert.techniqueId,
  }
}

/** What a worker says when the outbox was full: its oldest alerts made room for a tick's. */
export function reportDrop(dropped: number, maxQueue: number): void {
  console.warn(`alert outbox full (${maxQueue} alerts waiting for the webhook): dropped the ${dropped} oldest`)
}
