/** Which webhook setting cannot be used: the receiver's address, the signing secret, or the CAs its TLS certificate is checked against. */
export type WebhookSettingsProblem = 'ca' | 'secret' | 'url'

/**
 * A webhook setting that cannot be used (`--webhook` not an http or https
 * URL; a secret file that cannot be read, or is empty; no secret at all; a
 * `--webhook-ca` file that cannot be read or holds no certificate).
 * The message names the setting and what was expected, and never holds the
 * secret or the URL's credentials.
 */
export class WebhookSettingsError extends Error {
  /** Which setting. */
  readonly problem: WebhookSettingsProblem

  constructor(problem: WebhookSettingsProblem, message: string) {
    super(message)
    this.name = 'WebhookSettingsError'
    this.problem = problem
  }
}
