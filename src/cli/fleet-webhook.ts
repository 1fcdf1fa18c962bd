import type {JsonObject, ResolvedFleet} from '../fleets/types.js'

import {readWebhookCa} from '../alerts/webhook-ca.js'
import {readWebhookSecret} from '../alerts/webhook-secret.js'
import {WebhookSettingsError} from '../alerts/webhook-settings-error.js'
import {displayWebhookUrl, parseWebhookUrl} from '../alerts/webhook-url.js'
import {positiveNumber} from '../util/positive-number.js'
import {NumberValueError} from '../util/positive-number.js'
import {FlagValueError, secondsFlag} from './seconds.js'

/** Environment variable: the receiver's URL, when `--webhook` is not given (a unit keeps a URL with a token in its root-only environment file). */
export const WEBHOOK_URL_ENV = 'DECNET_WEBHOOK_URL'

/** The webhook flags of `decnet fleet NAME`. */
export interface FleetWebhookFlags {
  readonly webhook?: string
  readonly 'webhook-secret-file'?: string
  readonly 'webhook-ca'?: string
  readonly 'webhook-max-queue'?: string
  readonly 'webhook-max-backoff'?: string
  readonly 'webhook-timeout'?: string
}

/** The fleet to run, and a line for the operator when it sends alerts. */
export interface FleetWebhook {
  readonly fleet: ResolvedFleet
  /** `alerts: POST to https://hooks.example/… (signed; at most 10000 queued)`, or undefined without a webhook. */
  readonly notice?: string
}

const WEBHOOK_FLAGS = ['webhook-secret-file', 'webhook-ca', 'webhook-max-queue', 'webhook-max-backoff', 'webhook-timeout'] as const

/**
 * Applies `--webhook` (or `$DECNET_WEBHOOK_URL`) to a fleet, before anything
 * is spawned: the URL is checked (http or https), the secret read (the file
 * of `--webhook-secret-file`, else `$DECNET_WEBHOOK_SECRET`), the CAs of
 * `--webhook-ca` read and checked (an https receiver only); the fleet's
 * sender workers (`alerts: 'sender'`) get `{webhook: {url, secret, ca?, ...}}`,
 * its other workers `{alerts: {maxQueue}}`. Without a webhook the sender
 * workers are left out and nothing is queued.
 *
 * @throws WebhookSettingsError (a bad URL, an unreadable or empty secret, a CA file that cannot be used or an http receiver given one: exit 14), FlagValueError (a webhook flag without `--webhook`, a bad number, a fleet that sends no alerts).
 * @example
 * ```ts
 * const {fleet, notice} = fleetWebhook(heavy, {webhook: 'https://hooks.example/x', 'webhook-secret-file': '/etc/decnet/webhook.secret'})
 * ```
 */
export function fleetWebhook(fleet: ResolvedFleet, flags: FleetWebhookFlags, env: NodeJS.ProcessEnv = process.env): FleetWebhook {
  const fromFlag = flags.webhook !== undefined
  const text = flags.webhook ?? (env[WEBHOOK_URL_ENV] || undefined)
  const senders = fleet.workers.filter((worker) => worker.alerts === 'sender')
  if (text === undefined) {
    const stray = WEBHOOK_FLAGS.find((name) => flags[name] !== undefined)
    if (stray !== undefined) throw new FlagValueError(`--${stray}`, `\`--${stray}\` needs --webhook URL (or $${WEBHOOK_URL_ENV})`)
    return {fleet: senders.length === 0 ? fleet : Object.freeze({...fleet, workers: Object.freeze(fleet.workers.filter((worker) => worker.alerts !== 'sender'))})}
  }

  if (senders.length === 0) {
    if (!fromFlag) return {fleet} // the variable is for the fleets that send alerts
    throw new FlagValueError('--webhook', `\`--webhook\`: fleet '${fleet.name}' sends no alerts (decnet fleet heavy does)`)
  }

  const url = parseWebhookUrl(text, fromFlag ? '--webhook' : `$${WEBHOOK_URL_ENV}`)
  const secret = readWebhookSecret({env, file: flags['webhook-secret-file']})
  const caFile = flags['webhook-ca']
  if (caFile !== undefined && url.protocol !== 'https:') {
    throw new WebhookSettingsError('ca', `--webhook-ca is for an https:// receiver; ${displayWebhookUrl(url)} is ${url.protocol.slice(0, -1)}`)
  }

  const ca = caFile === undefined ? undefined : readWebhookCa(caFile)
  const maxQueue = wholeNumber('--webhook-max-queue', flags['webhook-max-queue'])
  const maxBackoff = secondsFlag('--webhook-max-backoff', flags['webhook-max-backoff'])
  const timeout = secondsFlag('--webhook-timeout', flags['webhook-timeout'])
  const webhook: JsonObject = {secret, url: url.href}
  if (ca !== undefined) webhook.ca = ca.pem
  if (maxBackoff !== undefined) webhook.maxBackoff = maxBackoff
  if (timeout !== undefined) webhook.timeout = timeout
  const alerts: JsonObject = maxQueue === undefined ? {} : {maxQueue}
  const workers = fleet.workers.map((worker) =>
    Object.freeze({...worker, options: Object.freeze({...worker.options, ...(worker.alerts === 'sender' ? {webhook} : {alerts})})}),
  )
  const bound = maxQueue === undefined ? '' : `; at most ${maxQueue} queued`
  const trust = ca === undefined ? '' : `; its TLS certificate checked against the ${ca.subjects.length === 1 ? 'CA' : `${ca.subjects.length} CAs`} of ${caFile} only`
  return {fleet: Object.freeze({...fleet, workers: Object.freeze(workers)}), notice: `alerts: POST to ${displayWebhookUrl(url)} (signed with HMAC-SHA256${bound}${trust})`}
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  try {
    const number = positiveNumber(value, flag)
    if (!Number.isSafeInteger(number)) throw new FlagValueError(flag, `Expected \`${flag}\` to be a positive whole number, got \`${value}\``)
    return number
  } catch (error) {
    if (error instanceof NumberValueError) throw new FlagValueError(flag, error.message)
    throw error
  }
}
