import {readFileSync} from 'node:fs'

import {WebhookSettingsError} from './webhook-settings-error.js'

/** Environment variable holding the signing secret, when no `--webhook-secret-file` is given. */
export const WEBHOOK_SECRET_ENV = 'DECNET_WEBHOOK_SECRET'

/** The longest secret accepted (bytes): a secret is a key, not a document. */
export const MAX_SECRET_BYTES = 4096

/** Where the signing secret comes from. */
export interface WebhookSecretSource {
  /** A file holding it (`--webhook-secret-file`); one trailing newline is not part of it. */
  readonly file?: string
  /** The environment ({@link WEBHOOK_SECRET_ENV}); read when no file is given. */
  readonly env?: NodeJS.ProcessEnv
}

/**
 * Reads the HMAC-SHA256 signing secret: from the file when one is given,
 * else from `$DECNET_WEBHOOK_SECRET`. Never from the command line (it would
 * be visible in `ps` and shell history), and the messages never hold it.
 *
 * @throws {@link WebhookSettingsError} (`secret`): the file cannot be read, either is empty or longer than {@link MAX_SECRET_BYTES}, or neither is given.
 * @example
 * ```ts
 * const secret = readWebhookSecret({file: '/etc/decnet/webhook.secret'})
 * ```
 */
export function readWebhookSecret(source: WebhookSecretSource): string {
  if (source.file !== undefined) {
    let bytes: Buffer
    try {
      bytes = readFileSync(source.file)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
      throw new WebhookSettingsError('secret', `cannot read the webhook secret file ${JSON.stringify(source.file)} (--webhook-secret-file): ${code}`)
    }

    return checked(stripNewline(bytes.toString('utf8')), `the webhook secret file ${JSON.stringify(source.file)}`)
  }

  const value = (source.env ?? process.env)[WEBHOOK_SECRET_ENV]
  if (value === undefined || value === '') {
    throw new WebhookSettingsError('secret', `--webhook needs a signing secret: --webhook-secret-file FILE, or $${WEBHOOK_SECRET_ENV} (never on the command line)`)
  }

  return checked(value, `$${WEBHOOK_SECRET_ENV}`)
}

function stripNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text
}

function checked(secret: string, where: string): string {
  if (secret === '') throw new WebhookSettingsError('secret', `${where} is empty: expected a signing secret`)
  if (Buffer.byteLength(secret) > MAX_SECRET_BYTES) throw new WebhookSettingsError('secret', `${where} is longer than ${MAX_SECRET_BYTES} bytes: expected a signing secret`)
  return secret
}
