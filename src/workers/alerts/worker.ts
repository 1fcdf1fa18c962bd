/**
 * The `webhook` worker of the `heavy` fleet (present when the fleet is given
 * `--webhook`): delivers the alerts the profiler and the ttp worker queue in
 * `alert_outbox` (see `WebhookSender`). It holds the `webhook` lease, so
 * several hosts on one database deliver each alert from one place.
 */
import type {WorkerContext} from '../../prefork/worker.js'
import type {AttackNames} from '../../alerts/alert-payload.js'

import {parseWebhookUrl} from '../../alerts/webhook-url.js'
import {readCatalog} from '../../ttp/attack-catalog.js'
import {catalogInUse} from '../../ttp/rule-loader.js'
import {positiveNumber} from '../../util/positive-number.js'
import {seconds, toMs} from '../../util/seconds.js'
import {loopSettings} from '../loop-settings.js'
import {contextDatabase, runWorkerLoop} from '../run-worker-loop.js'
import {WebhookSender} from './webhook-sender.js'

/** Seconds between two looks at an empty outbox. */
export const DEFAULT_POLL_SECONDS = 1
/** The longest wait between two attempts after failures (seconds). */
export const DEFAULT_MAX_BACKOFF_SECONDS = 300
/** How long one request may take (seconds). */
export const DEFAULT_TIMEOUT_SECONDS = 10
/** Alerts in flight at once. */
export const DEFAULT_CONCURRENCY = 4

/**
 * Runs the sender. Options: `webhook` (`{url, secret, ca?, maxBackoff?, timeout?,
 * concurrency?}`, set by `decnet fleet heavy --webhook`: the receiver, the
 * signing secret, the CA certificates (PEM) an https receiver's certificate
 * is checked against instead of the system's (`--webhook-ca`), seconds,
 * seconds, a count) and `poll` (seconds between two
 * looks at an empty outbox, default 1; the fleet's `--interval` is the
 * ticks', not this). Under `once`, it tries each queued alert once and returns.
 *
 * @example
 * ```ts
 * await webhook({name: 'webhook', fleet: 'heavy', options: {webhook: {url, secret}}, once: false, signal, debug, ready})
 * ```
 */
export default async function webhook(ctx: WorkerContext): Promise<void> {
  const database = contextDatabase(ctx, 'the webhook worker')
  const option = ctx.options.webhook
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new Error('the webhook worker needs its `webhook` option ({url, secret}): decnet fleet heavy --webhook URL sets it')
  }

  const {ca, concurrency, maxBackoff, secret, timeout, url} = option
  if (typeof url !== 'string') throw new Error('Expected `webhook.url` to be an http:// or https:// URL')
  if (typeof secret !== 'string' || secret === '') throw new Error('Expected `webhook.secret` to be a signing secret')
  if (ca !== undefined && (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))) throw new Error('Expected `webhook.ca` to be PEM CA certificates (decnet fleet heavy --webhook-ca FILE sets it)')
  const target = parseWebhookUrl(url, 'webhook.url')
  const settings = loopSettings({...ctx.options, interval: ctx.options.poll ?? DEFAULT_POLL_SECONDS}, ctx.once, DEFAULT_POLL_SECONDS)
  const names = await attackNames(ctx)
  await runWorkerLoop(ctx, {
    kind: 'webhook',
    prepare(db) {
      const sender = new WebhookSender(db, {
        ...(ca === undefined ? {} : {ca}),
        concurrency: Math.floor(positiveNumber(concurrency ?? DEFAULT_CONCURRENCY, 'webhook.concurrency')),
        maxBackoffMs: toMs(seconds(maxBackoff ?? DEFAULT_MAX_BACKOFF_SECONDS, 'webhook.maxBackoff')),
        names,
        secret,
        status: (text) => ctx.status?.(text),
        timeoutMs: toMs(seconds(timeout ?? DEFAULT_TIMEOUT_SECONDS, 'webhook.timeout')),
        url: target,
      })
      return async (signal) => {
        await sender.pass(signal, ctx.once)
      }
    },
    settings,
    database,
  })
}

/** Technique and tactic names from the catalog in use; none (ids only) when it cannot be read. */
async function attackNames(ctx: WorkerContext): Promise<AttackNames | undefined> {
  try {
    const catalog = await readCatalog(catalogInUse())
    const techniques = new Map(catalog.data.techniques.map((technique) => [technique.id, technique.name]))
    const tactics = new Map(catalog.data.tactics.map((tactic) => [tactic.id, tactic.name]))
    return {tactic: (id) => tactics.get(id), technique: (id) => techniques.get(id)}
  } catch (error) {
    console.warn(`webhook: the ATT&CK catalog cannot be read (${(error as Error).message}): alerts carry technique ids without names`)
    ctx.debug('catalog: %O', error)
    return undefined
  }
}
