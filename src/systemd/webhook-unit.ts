import type {ResolvedFleet} from '../fleets/types.js'

import {FleetUnitError} from './fleet-unit-error.js'
import {environmentFile} from './unit-names.js'
import {execLine, unitPath} from './unit-syntax.js'

/** The name of the systemd credential holding the webhook's signing secret (`LoadCredential=`). */
export const SECRET_CREDENTIAL = 'webhook-secret'

/** The name of the systemd credential holding the CA certificates of `--webhook-ca` (`LoadCredential=`). */
export const CA_CREDENTIAL = 'webhook-ca'

/** `decnet fleet unit NAME --webhook URL --webhook-secret-file FILE --webhook-ca FILE`. */
export interface UnitWebhook {
  readonly url: URL
  /** An absolute path, read by systemd (as root) and handed to the service alone. */
  readonly secretFile?: string
  /** An absolute path to the receiver's CA certificates (PEM), handed to the service the same way. */
  readonly caFile?: string
}

/** What the webhook adds to a unit: the end of `ExecStart=`, its lines, and the operator's warnings. */
export interface WebhookUnitPart {
  /** Appended to `ExecStart=` as it is (it holds the `%d` specifier, which must stay unescaped). */
  readonly exec: string
  readonly lines: readonly (readonly [string, string] | string)[]
  readonly warnings: readonly string[]
}

/**
 * The webhook's part of a fleet's unit. The URL goes on `ExecStart=`; one
 * with credentials is refused (the unit is world-readable), and one with a
 * path or query earns a warning (receivers often keep a token there). The
 * secret file is given to the service through `LoadCredential=`: systemd
 * reads it as root and the service, whatever its user, reads its copy at
 * `%d/webhook-secret`. Without one the service needs
 * `DECNET_WEBHOOK_SECRET` in its root-only environment file. A CA file
 * (`--webhook-ca`, an https receiver only) goes the same way, at
 * `%d/webhook-ca`, so the service reads it whatever its user.
 *
 * @throws {@link FleetUnitError} for a fleet that sends no alerts, a URL with credentials, a secret or CA file that is not an absolute plain path, a CA file for an http receiver.
 */
export function webhookUnitPart(fleet: Pick<ResolvedFleet, 'name' | 'workers'>, webhook: UnitWebhook): WebhookUnitPart {
  if (!fleet.workers.some((worker) => worker.alerts === 'sender')) throw new FleetUnitError(`--webhook: fleet '${fleet.name}' sends no alerts (decnet fleet heavy does)`)
  const {caFile, secretFile, url} = webhook
  const env = environmentFile(fleet.name)
  if (url.username !== '' || url.password !== '') {
    throw new FleetUnitError(`--webhook: the unit file is world-readable: put a URL with credentials in ${env} as DECNET_WEBHOOK_URL=URL (root-only), not in the unit`)
  }

  const warnings: string[] = []
  if (url.pathname !== '/' || url.search !== '') {
    warnings.push(`--webhook: the unit file is world-readable; if the URL's path or query holds a token, leave --webhook out and put DECNET_WEBHOOK_URL=URL in ${env} (root-only)`)
  }

  const lines: Array<readonly [string, string] | string> = ['Alerts (--webhook): a signed JSON POST per new attacker and per technique an attacker had not used (docs/webhooks.md).']
  let exec = ` ${execLine(['--webhook', url.href])}`
  if (secretFile === undefined) {
    lines.push(`The signing secret: DECNET_WEBHOOK_SECRET in ${env}; without it the service exits 14.`)
    warnings.push(`--webhook without --webhook-secret-file: the service needs DECNET_WEBHOOK_SECRET in ${env}, or it will not start (exit 14)`)
  } else {
    if (!secretFile.startsWith('/')) throw new FleetUnitError(`--webhook-secret-file ${JSON.stringify(secretFile)}: a unit needs an absolute path`)
    lines.push(
      'The signing secret: systemd reads the file (as root) and gives the service alone a copy, at %d/webhook-secret.',
      ['LoadCredential', `${SECRET_CREDENTIAL}:${unitPath(secretFile, '--webhook-secret-file')}`],
    )
    exec += ` --webhook-secret-file %d/${SECRET_CREDENTIAL}`
  }

  if (caFile !== undefined) {
    if (url.protocol !== 'https:') throw new FleetUnitError(`--webhook-ca is for an https:// receiver; --webhook is ${url.protocol.slice(0, -1)}`)
    if (!caFile.startsWith('/')) throw new FleetUnitError(`--webhook-ca ${JSON.stringify(caFile)}: a unit needs an absolute path`)
    lines.push(
      "The receiver's CA certificates (--webhook-ca): systemd reads the file and gives the service a copy, at %d/webhook-ca; decnet checks it when the service starts (exit 14).",
      ['LoadCredential', `${CA_CREDENTIAL}:${unitPath(caFile, '--webhook-ca')}`],
    )
    exec += ` --webhook-ca %d/${CA_CREDENTIAL}`
  }

  return {exec, lines, warnings}
}
