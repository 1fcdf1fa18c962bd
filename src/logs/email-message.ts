/**
 * The mail an SMTP relay accepted, as one text the `email` rules read: one
 * `Name: value` line per fact, in this order (a line is left out when its
 * value is empty or absent):
 *
 * ```
 * MAIL FROM: ceo@paypa1.example.net
 * RCPT TO: a@corp.example.org, b@corp.example.org (the first 512 characters)
 * Recipients: 27 in 3 domains
 * From: "PayPal <service@paypal.com>" <ceo@paypa1.example.net>
 * Return-Path: <bounce@paypa1.example.net>
 * Subject: Urgent wire transfer
 * X-Mailer: gophish
 * Content-Type: multipart/mixed
 * Sender-Mismatch: From header domain paypal.com, MAIL FROM domain paypa1.example.net
 * Display-Name-Mismatch: display name names paypal.com, address at paypa1.example.net
 * Inline-Base64: 8192 bytes
 * HTML-Smuggling: yes
 * Attachment: name="invoice.pdf.exe" type=application/octet-stream size=41234 sha256=9f86... macro=no encrypted=no
 * URL: https://xn--pypal-4ve.com/login
 * ```
 *
 * It is read from DECNET's `message_stored` event (the open relay
 * `smtp_relay`, when a quarantine directory is configured; DECNET-EVENTS.md
 * §1.5): `mail_from`, `rcpt_to` (comma-joined), `from_hdr`, `return_path`,
 * `subject`, `x_mailer`, `content_type`, `attachments_json` (up to 16
 * attachments), `urls_json` (as many URLs as fit), `body_base64_bytes` and
 * `html_smuggling`. The message body itself is not in the log.
 *
 * Three lines are facts decnet works out, so that a rule (a regular
 * expression, which cannot compare two values) can use them:
 *
 * - `Sender-Mismatch`: the From header's domain and the MAIL FROM domain are
 *   both present and belong to different registered domains (the last two
 *   labels, three under a two-letter country code with a short second level
 *   such as `co.uk`);
 * - `Display-Name-Mismatch`: the From header's display name holds a domain or
 *   an address of another registered domain than the address's own;
 * - `Inline-Base64`: the largest base64 run in the message
 *   (`body_base64_bytes`) when the message has no attachment (an attachment
 *   is base64 in every mail, so only a run outside one is remarkable).
 *
 * Every value is bounded and kept on one line (control bytes as `\xNN`), and
 * the whole never exceeds {@link MAX_EMAIL_TEXT}.
 */
import type {FieldsInput} from './fields.js'

import {eventTypeIn, joinLines, oneLine, textField} from './event-text.js'
import {readFields} from './fields.js'

/** The longest text {@link emailText} returns. */
export const MAX_EMAIL_TEXT = 4096

const MAX_ATTACHMENTS = 16
const MAX_URLS = 64
const MAX_URL = 512
const DOMAIN_IN_TEXT = /(?:[a-z\d](?:[a-z\d-]{0,62})\.){1,8}[a-z]{2,24}\b/i
const ADDRESS = /<([^<>\s]{1,254})>\s*$/
const MESSAGE_STORED: ReadonlySet<string> = new Set(['message_stored'])

/** What {@link emailText} needs of a log row. */
export interface EmailSource {
  readonly event_type: string
  readonly fields: FieldsInput
}

/**
 * The mail text of a `message_stored` row (see the module's documentation),
 * or null for any other row.
 *
 * @example
 * ```ts
 * emailText({event_type: 'message_stored', fields: {mail_from: 'a@x.example', rcpt_to: 'b@y.example', subject: 'hi'}})
 * // 'MAIL FROM: a@x.example\nRCPT TO: b@y.example\nRecipients: 1 in 1 domains\nSubject: hi'
 * ```
 */
export function emailText(row: EmailSource): null | string {
  if (eventTypeIn(row.event_type ?? '', MESSAGE_STORED) === null) return null
  const fields = readFields(row.fields)
  const field = (name: string): string => textField(fields, name)?.trim() ?? ''
  const mailFrom = field('mail_from')
  const rcptTo = field('rcpt_to')
  const fromHeader = field('from_hdr')
  const recipients = rcptTo.split(/[\s,]+/).filter((token) => token !== '')
  const rcptDomains = new Set(recipients.map((address) => domainOf(address)).filter((domain) => domain !== null))
  const lines: string[] = []
  const add = (name: string, value: string, max = 512): void => {
    if (value !== '') lines.push(`${name}: ${oneLine(value, max)}`)
  }

  add('MAIL FROM', mailFrom, 256)
  add('RCPT TO', rcptTo)
  if (recipients.length > 0) lines.push(`Recipients: ${recipients.length} in ${rcptDomains.size} domains`)
  add('From', fromHeader, 256)
  add('Return-Path', field('return_path'), 256)
  add('Subject', field('subject'))
  add('X-Mailer', field('x_mailer'), 256)
  add('Content-Type', field('content_type'), 128)
  const headerDomain = domainOf(addressOf(fromHeader))
  const envelopeDomain = domainOf(mailFrom)
  if (headerDomain !== null && envelopeDomain !== null && registered(headerDomain) !== registered(envelopeDomain)) {
    add('Sender-Mismatch', `From header domain ${headerDomain}, MAIL FROM domain ${envelopeDomain}`)
  }

  const named = displayNameDomain(fromHeader)
  if (named !== null && headerDomain !== null && registered(named) !== registered(headerDomain)) {
    add('Display-Name-Mismatch', `display name names ${named}, address at ${headerDomain}`)
  }

  const base64 = Number(field('body_base64_bytes'))
  const attachments = parseList(field('attachments_json'))
  if (Number.isSafeInteger(base64) && base64 > 0 && attachments.length === 0 && Number(field('attachment_count') || '0') === 0) {
    lines.push(`Inline-Base64: ${base64} bytes`)
  }

  if (isTrue(field('html_smuggling'))) lines.push('HTML-Smuggling: yes')
  for (const attachment of attachments.slice(0, MAX_ATTACHMENTS)) lines.push(attachmentLine(attachment))
  for (const url of parseList(field('urls_json')).slice(0, MAX_URLS)) {
    if (typeof url === 'string' && url !== '') lines.push(`URL: ${oneLine(url, MAX_URL)}`)
  }

  return lines.length === 0 ? null : joinLines(lines, MAX_EMAIL_TEXT)
}

function attachmentLine(value: unknown): string {
  const item = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  const text = (name: string, max: number): string => oneLine(textField(item, name) ?? '', max).replaceAll('"', "'").replaceAll(/\s/g, ' ')
  const flag = (name: string): string => (isTrue(textField(item, name) ?? String(item[name] ?? ''))) ? 'yes' : 'no'
  return `Attachment: name="${text('filename', 255)}" type=${text('content_type', 128).replaceAll(' ', '') || '-'} size=${text('size', 16) || '-'} sha256=${text('sha256', 64) || '-'} macro=${flag('macro_indicator')} encrypted=${flag('encrypted')}`
}

/** The address of a From header (`Name <a@b>` or a bare `a@b`). */
function addressOf(header: string): string {
  return ADDRESS.exec(header)?.[1] ?? header
}

/** The lower-case domain of an address, or null when it has none. */
function domainOf(address: string): null | string {
  const at = address.lastIndexOf('@')
  if (at < 0) return null
  const domain = address.slice(at + 1).replace(/[>\s].*$/s, '').replace(/^\.+|\.+$/g, '').toLowerCase()
  return /^[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+$/u.test(domain) && domain.length <= 253 ? domain : null
}

/** The domain a From header's display name holds (`"PayPal <service@paypal.com>" <x@evil>`, `paypal.com Support <...>`), or null. */
function displayNameDomain(header: string): null | string {
  const address = ADDRESS.exec(header)
  if (address === null) return null
  const name = header.slice(0, address.index).slice(0, 256)
  const inName = name.includes('@') ? domainOf(name.slice(name.lastIndexOf('@')).replace(/[^@\w.-].*$/s, '')) : null
  return inName ?? DOMAIN_IN_TEXT.exec(name)?.[0].toLowerCase() ?? null
}

/** The registered domain: the last two labels, or three under `co.uk`-like suffixes. */
function registered(domain: string): string {
  const labels = domain.split('.')
  const keep = labels.length >= 3 && labels.at(-1)!.length === 2 && labels.at(-2)!.length <= 3 ? 3 : 2
  return labels.slice(-keep).join('.')
}

function parseList(text: string): unknown[] {
  if (text === '' || text.length > 262_144) return []
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value : []
  } catch {
    return []
  }
}

function isTrue(value: string): boolean {
  return /^(?:1|true|yes)$/i.test(value.trim())
}
