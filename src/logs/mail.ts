/**
 * What DECNET's SMTP lines say of mail: a message the open relay stored
 * (`message_stored`), and the domains an attacker tried to reach (the
 * `RCPT TO` of `rcpt_to`, `rcpt_denied`, ... and the recipients of
 * `message_accepted`). Pure: no I/O. Every value is attacker text, bounded
 * here.
 */
import {domainToASCII} from 'node:url'

import {artifactCount, artifactFlag, artifactText, sha256Hex} from './artifact-values.js'
import {normaliseEventType} from './fields.js'

/** Recipient domains a stored mail keeps (unique, in first-seen order). */
export const MAX_MAIL_DOMAINS = 64
/** Attachments a stored mail keeps. */
export const MAX_MAIL_ATTACHMENTS = 32
/** Addresses read from one line's recipient list (a `message_accepted` of a spam run can name thousands). */
export const MAX_LINE_RECIPIENTS = 1000
/** Characters of an address (or recipient list) read at most. */
const MAX_ADDRESS_TEXT = 1024
/** Characters of a header value kept (DECNET keeps 256 of `From:`). */
const MAX_HEADER_TEXT = 256
/** Characters of a stored mail's `attachments_json` read at most (a line is at most 64 KiB anyway). */
const MAX_ATTACHMENTS_JSON = 65_536

/** Top-level domains no mail reaches (RFC 2606 and 6761): DECNET rejects them, and they are no target. */
export const RESERVED_TLDS: ReadonlySet<string> = new Set(['invalid', 'test', 'localhost', 'local', 'example'])

/** One attachment of a stored mail, as DECNET summarised it. */
export interface MailAttachment {
  filename: null | string
  contentType: null | string
  size: null | number
  /** SHA-256 (hex) of the attachment's bytes. */
  sha256: null | string
  /** A ZIP (an Office file) holding `vbaProject.bin`: it carries macros. */
  macro: boolean | null
  /** 7z or RAR, an OLE container, or a ZIP entry with the encryption flag. */
  encrypted: boolean | null
}

/** A mail DECNET's open relay stored (a `message_stored` line). */
export interface StoredMail {
  kind: 'mail'
  /** The relay's queue id (Postfix-style). */
  msgId: null | string
  /** The `Subject:` header as logged (DECNET keeps 512 characters). */
  subject: null | string
  /** The `From:` header as logged. */
  from: null | string
  /** The envelope sender (`MAIL FROM`). */
  mailFrom: null | string
  /** How many envelope recipients (`RCPT TO`) the message had. */
  recipientCount: number
  /** Their domains, lower case (IDNs as `xn--` A-labels), unique, in first-seen order, at most {@link MAX_MAIL_DOMAINS}. */
  recipientDomains: string[]
  /** How many attachments DECNET counted. */
  attachmentCount: null | number
  /** At most {@link MAX_MAIL_ATTACHMENTS}. */
  attachments: MailAttachment[]
  /** Bytes of the raw message. */
  size: null | number
  /** SHA-256 (hex) of the raw message. */
  sha256: null | string
  /** Whether the message hit DECNET's 10 MiB cap. */
  truncated: boolean | null
  /** The `X-Mailer:` header (a phishing kit often names itself there). */
  xMailer: null | string
  /** The name DECNET stored the `.eml` under. */
  storedAs: null | string
}

/** The domains one line says an attacker tried to send mail to. */
export interface SmtpTargets {
  /** `true` for a message accepted for them (`message_accepted`), `false` for `RCPT TO` attempts. */
  message: boolean
  /** Unique, lower case, IDNs as A-labels, reserved TLDs left out. */
  domains: readonly string[]
}

/** Event types whose `value` is the argument of one `RCPT TO` (accepted, denied, greylisted or rejected). */
const RCPT_EVENT_TYPES: ReadonlySet<string> = new Set(['rcpt_to', 'rcpt_denied', 'rcpt_greylisted', 'rcpt_rejected_syntax', 'rcpt_rejected_tld'])

/** Whether lines of `eventType` may name SMTP targets (their fields must be read). */
export function isSmtpTargetEventType(eventType: string): boolean {
  const type = normaliseEventType(eventType)
  return RCPT_EVENT_TYPES.has(type) || type === 'message_accepted'
}

/**
 * The SMTP target domains a line of `eventType` with `fields` names, or null
 * when it names none: the domain of an `RCPT TO` (`value`), or those of the
 * recipients of an accepted message (`rcpt_to`, comma-separated).
 *
 * @example
 * ```ts
 * smtpTargetsOf('rcpt_to', {value: '<Victim@Bank.Example.COM>'}) // {message: false, domains: ['bank.example.com']}
 * ```
 */
export function smtpTargetsOf(eventType: string, fields: Readonly<Record<string, unknown>>): null | SmtpTargets {
  const type = normaliseEventType(eventType)
  let domains: string[]
  if (RCPT_EVENT_TYPES.has(type)) {
    const domain = typeof fields.value === 'string' ? addressDomain(fields.value) : null
    domains = domain === null ? [] : [domain]
  } else if (type === 'message_accepted') {
    domains = recipientDomains(fields.rcpt_to).domains
  } else {
    return null
  }

  domains = domains.filter((domain) => !RESERVED_TLDS.has(domain.slice(domain.lastIndexOf('.') + 1)))
  return domains.length === 0 ? null : {domains, message: type === 'message_accepted'}
}

/**
 * The mail a `message_stored` line's `fields` describe.
 *
 * @example
 * ```ts
 * extractMail({msg_id: '4F2A1B', subject: 'Invoice', rcpt_to: 'a@x.com,b@y.org', size: '2048'})
 * // {kind: 'mail', msgId: '4F2A1B', subject: 'Invoice', recipientCount: 2, recipientDomains: ['x.com', 'y.org'], size: 2048, ...}
 * ```
 */
export function extractMail(fields: Readonly<Record<string, unknown>>): StoredMail {
  const recipients = recipientDomains(fields.rcpt_to)
  const attachments = readAttachments(fields.attachments_json)
  return {
    kind: 'mail',
    msgId: artifactText(fields.msg_id, MAX_HEADER_TEXT),
    subject: artifactText(fields.subject),
    from: artifactText(fields.from_hdr, MAX_HEADER_TEXT),
    mailFrom: artifactText(fields.mail_from, MAX_HEADER_TEXT),
    recipientCount: recipients.count,
    recipientDomains: recipients.domains.slice(0, MAX_MAIL_DOMAINS),
    attachmentCount: artifactCount(fields.attachment_count) ?? (attachments === null ? null : attachments.length),
    attachments: (attachments ?? []).slice(0, MAX_MAIL_ATTACHMENTS),
    size: artifactCount(fields.size),
    sha256: sha256Hex(fields.sha256),
    truncated: artifactFlag(fields.truncated),
    xMailer: artifactText(fields.x_mailer, MAX_HEADER_TEXT),
    storedAs: artifactText(fields.stored_as, MAX_HEADER_TEXT),
  }
}

/**
 * The domain of a mail address as an `RCPT TO`/`MAIL FROM` argument gives it
 * (`<a@b.com>`, `TO:<a@b.com> NOTIFY=NEVER`, `a@b.com`): lower case, dots
 * trimmed, an IDN as its `xn--` A-label; null unless it has a local part and
 * a host name of two or more labels whose top-level one is letters (or an
 * A-label). Address literals (`[192.0.2.1]`) are no domain.
 *
 * @example
 * ```ts
 * addressDomain('<info@Bücher.DE.>') // 'xn--bcher-kva.de'
 * addressDomain('<postmaster>') // null
 * ```
 */
export function addressDomain(text: string): null | string {
  let address = text.slice(0, MAX_ADDRESS_TEXT).trim().replace(/^(?:to|from):\s*/i, '')
  const open = address.indexOf('<')
  if (open !== -1) {
    const close = address.indexOf('>', open + 1)
    address = address.slice(open + 1, close === -1 ? undefined : close)
  } else {
    address = address.split(/\s/, 1)[0]
  }

  const at = address.lastIndexOf('@')
  if (at <= 0) return null
  const local = address.slice(0, at)
  // a source route (`@relay:user@host`) leaves no local part before the last `:`
  if (local.slice(local.lastIndexOf(':') + 1) === '') return null
  return hostName(address.slice(at + 1))
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/

/** `text` as a lower-case ASCII host name of two or more labels, or null. */
function hostName(text: string): null | string {
  const trimmed = text.trim().replace(/^\.+|\.+$/g, '')
  if (trimmed === '' || trimmed.length > 253 * 4) return null
  // ASCII names are only lower-cased; anything else goes through IDNA (UTS #46), which refuses what is no name
  const ascii = /^[\u0021-\u007E]+$/.test(trimmed) ? trimmed.toLowerCase() : domainToASCII(trimmed)
  if (ascii === '' || ascii.length > 253) return null
  const labels = ascii.split('.')
  if (labels.length < 2 || !TLD.test(labels.at(-1)!) || !labels.every((label) => LABEL.test(label))) return null
  return ascii
}

/** The recipients of a comma- (or space-) separated list: how many, and their domains (unique, in order). */
function recipientDomains(value: unknown): {count: number; domains: string[]} {
  if (typeof value !== 'string') return {count: 0, domains: []}
  const addresses = value.slice(0, MAX_LINE_RECIPIENTS * MAX_ADDRESS_TEXT).split(/[\s,]+/).filter((address) => address !== '')
  const domains = new Set<string>()
  for (const address of addresses.slice(0, MAX_LINE_RECIPIENTS)) {
    const domain = addressDomain(address)
    if (domain !== null) domains.add(domain)
  }

  return {count: addresses.length, domains: [...domains]}
}

/** DECNET's `attachments_json` (a JSON list of objects), or null when there is none or it does not parse. */
function readAttachments(value: unknown): MailAttachment[] | null {
  if (typeof value !== 'string' || value === '' || value.length > MAX_ATTACHMENTS_JSON) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return null // not JSON (a foreign log store): no attachments rather than a guess
  }

  if (!Array.isArray(parsed)) return null
  const attachments: MailAttachment[] = []
  for (const item of parsed as unknown[]) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue
    const a = item as Record<string, unknown>
    attachments.push({
      filename: artifactText(a.filename, MAX_HEADER_TEXT),
      contentType: artifactText(a.content_type, MAX_HEADER_TEXT),
      size: artifactCount(a.size),
      sha256: sha256Hex(a.sha256),
      macro: artifactFlag(a.macro_indicator),
      encrypted: artifactFlag(a.encrypted),
    })
  }

  return attachments
}
