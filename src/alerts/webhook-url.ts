import {WebhookSettingsError} from './webhook-settings-error.js'

/** The longest receiver URL accepted (characters). */
export const MAX_WEBHOOK_URL_LENGTH = 2048

/**
 * Parses the receiver's address: an absolute `http:` or `https:` URL with a
 * host and no fragment. `source` names where it came from in the message
 * (`--webhook`, `$DECNET_WEBHOOK_URL`). The message shows the URL only as
 * {@link displayWebhookUrl} does (no credentials, path or query).
 *
 * @throws {@link WebhookSettingsError} (`url`).
 * @example
 * ```ts
 * parseWebhookUrl('https://hooks.example/decnet', '--webhook').host // 'hooks.example'
 * parseWebhookUrl('ftp://x/', '--webhook') // throws: Expected `--webhook` to be an http:// or https:// URL, got `ftp://x`
 * ```
 */
export function parseWebhookUrl(text: string, source: string): URL {
  const shown = source.startsWith('$') ? source : `\`${source}\``
  if (text.length > MAX_WEBHOOK_URL_LENGTH) throw new WebhookSettingsError('url', `Expected ${shown} to be a URL of at most ${MAX_WEBHOOK_URL_LENGTH} characters, got ${text.length}`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new WebhookSettingsError('url', `Expected ${shown} to be an http:// or https:// URL, got \`${safePrefix(text)}\``)
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookSettingsError('url', `Expected ${shown} to be an http:// or https:// URL, got \`${displayWebhookUrl(url)}\``)
  }

  if (url.hostname === '') throw new WebhookSettingsError('url', `Expected ${shown} to name a host, got \`${displayWebhookUrl(url)}\``)
  if (url.hash !== '') throw new WebhookSettingsError('url', `Expected ${shown} to have no #fragment, got one in \`${displayWebhookUrl(url)}\``)
  return url
}

/**
 * The URL as decnet shows it in messages and logs: scheme, host and port
 * only. User names, passwords, paths and queries are left out: receivers
 * often carry their token in the path (`/hooks/T0/B0/secret`).
 *
 * @example
 * ```ts
 * displayWebhookUrl(new URL('https://u:p@hooks.example:8443/x?token=1')) // 'https://hooks.example:8443/…'
 * ```
 */
export function displayWebhookUrl(url: URL): string {
  const rest = url.pathname === '/' && url.search === '' ? '/' : '/…'
  return `${url.protocol}//${url.host}${rest}`
}

/** Something that is not a URL, shown without anything that could be a credential: the part before any `@`, `/` past the scheme, or `?`, cut. */
function safePrefix(text: string): string {
  const cut = text.split(/[@?#]/, 1)[0].replace(/^([a-z][a-z0-9+.-]*:\/\/[^/]*).*$/i, '$1')
  const clean = cut.replaceAll(/[^\x20-\x7e]/g, '?')
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean
}
