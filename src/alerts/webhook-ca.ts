/**
 * `--webhook-ca FILE`: the certificate authorities a webhook receiver's TLS
 * certificate is checked against, for a receiver on a private PKI. They
 * replace the system's CAs for that receiver (never added to them): a
 * receiver the operator pins to its own CA cannot be impersonated with a
 * certificate any public CA would issue. There is no switch that turns the
 * check off.
 */
import {X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'

import {WebhookSettingsError} from './webhook-settings-error.js'

/** The largest CA file read: a bundle of a few hundred certificates. */
export const MAX_CA_BYTES = 1024 * 1024

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g

/** The CAs of a `--webhook-ca` file, checked. */
export interface WebhookCa {
  /** The certificates, PEM, one after the other (what TLS is given as its `ca`). */
  readonly pem: string
  /** Their subjects, for the operator (`CN=Example Private CA`). */
  readonly subjects: readonly string[]
}

/**
 * Reads and checks the PEM bundle at `file`: at least one certificate, each
 * one parsing as X.509.
 *
 * @throws {@link WebhookSettingsError} (`ca`) naming the file: it cannot be read, is too large, holds no PEM certificate, or one that does not parse.
 * @example
 * ```ts
 * const {pem} = readWebhookCa('/etc/decnet/webhook-ca.pem')
 * ```
 */
export function readWebhookCa(file: string): WebhookCa {
  const where = `the webhook CA file ${JSON.stringify(file)} (--webhook-ca)`
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (error) {
    throw new WebhookSettingsError('ca', `cannot read ${where}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }

  if (bytes.length > MAX_CA_BYTES) throw new WebhookSettingsError('ca', `${where} is ${bytes.length} bytes, at most ${MAX_CA_BYTES}: expected a PEM bundle of CA certificates`)
  const blocks = bytes.toString('latin1').match(PEM_BLOCK) ?? []
  if (blocks.length === 0) throw new WebhookSettingsError('ca', `${where} holds no PEM certificate (-----BEGIN CERTIFICATE-----): expected the CA certificates of the receiver's TLS certificate`)
  const subjects = blocks.map((block, index) => {
    try {
      return new X509Certificate(block).subject.replaceAll('\n', ', ')
    } catch (error) {
      throw new WebhookSettingsError('ca', `${where}: certificate ${index + 1} of ${blocks.length} is not an X.509 certificate (${(error as Error).message})`)
    }
  })
  return {pem: `${blocks.join('\n')}\n`, subjects}
}
