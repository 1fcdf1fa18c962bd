/**
 * What a credential line means: DECNET's universal credential shape
 * (`principal`/`username`, `secret_kind`, `secret_printable`, `secret_b64`,
 * `outcome`, `domain`), which every service that sees a secret sends
 * (SSH/Telnet `auth-helper`, FTP, SMTP, IMAP/POP3, the databases, LDAP,
 * RDP/SMB NTLM, VNC, HTTP, SIP, SNMP, MQTT). Pure: no I/O.
 */
import {createHash} from 'node:crypto'

import {sliceWhole} from '../util/slice-whole.js'

/** How an attempt with a credential ended, when the service said (IMAP and POP3 do). */
export type CredentialOutcome = 'failure' | 'success'

/** The secret kind of a line whose `secret_kind` is absent (DECNET's default). */
export const PLAINTEXT = 'plaintext'

/** Characters of a principal kept (it is part of a credential's identity and of an index key). */
export const MAX_PRINCIPAL_CHARS = 256

/** Characters of a secret kind or a domain kept. */
export const MAX_NAME_CHARS = 64

/** Bytes of a secret kept; its SHA-256 is always of all of it. */
export const MAX_SECRET_BYTES = 1024

/**
 * Secret kinds whose secret is a hash or a challenge response (binary):
 * shown as hex. Every other kind is shown as text.
 */
export const BINARY_SECRET_KINDS: ReadonlySet<string> = new Set([
  'mysql_native_password', 'postgres_md5_challenge', 'scram_sha256', 'scram_sha1', 'scram_unknown',
  'vnc_des_response', 'ntlmssp_v1', 'ntlmssp_v2',
])

/** One credential a line carries. */
export interface Credential {
  /** Who authenticated: `principal`, else `username`; null when neither names anyone (DECNET's Python `None` counts as no one). */
  principal: null | string
  /** `secret_kind`, or `plaintext` when absent. */
  secretKind: string
  /** The secret's exact bytes, cut to {@link MAX_SECRET_BYTES}, as standard base64. */
  secretB64: string
  /** How many bytes the secret has (more than the kept ones when it was cut). */
  secretBytes: number
  /** SHA-256 (hex) of all the secret's bytes: with the principal and kind, its identity. */
  secretSha256: string
  /** `outcome` when it says `success` or `failure`, else null. */
  outcome: CredentialOutcome | null
  /** `domain` (NTLM), or null. */
  domain: null | string
}

/** Standard base64 with its padding (DECNET's strict decode). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The credential a line's fields carry, or null when they carry none: a
 * line carries one when it has a `secret_b64` field that is standard base64
 * (anything else is not a secret DECNET sent, and is ignored). Service and
 * event type do not matter. Attacker text is bounded: a principal keeps
 * {@link MAX_PRINCIPAL_CHARS} characters, a kind or domain
 * {@link MAX_NAME_CHARS}, a secret {@link MAX_SECRET_BYTES} bytes (its hash
 * covers all of it); NUL and lone surrogates, which databases refuse, become
 * U+FFFD. `secret_printable` is not read: the display is made from the bytes.
 * `memory`, when given, spares a secret seen before its decoding and hashing
 * (see {@link SecretMemory}); the result is the same.
 *
 * @example
 * ```ts
 * extractCredential({username: 'root', principal: 'root', secret_printable: '123456', secret_b64: 'MTIzNDU2'})
 * // {principal: 'root', secretKind: 'plaintext', secretB64: 'MTIzNDU2', secretBytes: 6,
 * //  secretSha256: '8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92', outcome: null, domain: null}
 * ```
 */
export function extractCredential(fields: Readonly<Record<string, unknown>>, memory?: SecretMemory): Credential | null {
  const encoded = fields.secret_b64
  if (typeof encoded !== 'string') return null
  let secret = memory?.get(encoded)
  if (secret === undefined) {
    if (!BASE64.test(encoded)) return null
    secret = secretOf(encoded)
    memory?.set(encoded, secret)
  }

  return {
    principal: name(fields.principal, MAX_PRINCIPAL_CHARS) ?? name(fields.username, MAX_PRINCIPAL_CHARS),
    secretKind: name(fields.secret_kind, MAX_NAME_CHARS) ?? PLAINTEXT,
    secretB64: secret.secretB64,
    secretBytes: secret.secretBytes,
    secretSha256: secret.secretSha256,
    outcome: outcomeOf(fields.outcome),
    domain: name(fields.domain, MAX_NAME_CHARS),
  }
}

/** What a `secret_b64` text (valid standard base64) gives: its kept bytes, its length and its hash. */
export type Secret = Pick<Credential, 'secretB64' | 'secretBytes' | 'secretSha256'>

/**
 * Where {@link extractCredential} may remember the secrets of the
 * `secret_b64` texts it decoded, so that a secret seen again (a wordlist's
 * passwords, tried on every decky) costs no decoding and no hashing: it gets
 * a text only after it set it, with the {@link Secret} that text gives.
 */
export interface SecretMemory {
  get(encoded: string): Secret | undefined
  set(encoded: string, secret: Secret): void
}

/** The secret of standard base64 `encoded`. */
function secretOf(encoded: string): Secret {
  const bytes = Buffer.from(encoded, 'base64')
  const kept = bytes.length > MAX_SECRET_BYTES ? bytes.subarray(0, MAX_SECRET_BYTES) : bytes
  return {secretB64: kept.toString('base64'), secretBytes: bytes.length, secretSha256: createHash('sha256').update(bytes).digest('hex')}
}

/**
 * A secret as an operator may safely read it: hex for the binary kinds
 * ({@link BINARY_SECRET_KINDS}); otherwise its text, with every control
 * character and every byte that is not UTF-8 written `\xNN` and a backslash
 * doubled (so the display names the bytes exactly), and `…` when the secret
 * was cut.
 *
 * @example
 * ```ts
 * secretText('aHVudGVyMg==', 'plaintext')            // 'hunter2'
 * secretText('G1szMW0=', 'plaintext')                // '\\x1b[31m'
 * secretText('AQEAAAAAAAA=', 'ntlmssp_v2')           // '0101000000000000'
 * ```
 */
export function secretText(secretB64: string, secretKind: string, secretBytes?: number): string {
  const bytes = Buffer.from(secretB64, 'base64')
  const cut = secretBytes !== undefined && secretBytes > bytes.length ? '…' : ''
  if (BINARY_SECRET_KINDS.has(secretKind)) return bytes.toString('hex') + cut
  return escapedText(bytes) + cut
}

/**
 * Text an attacker chose, safe for a terminal: control characters (C0, DEL,
 * C1) as `\xNN` (`\u{NNNN}` past 0xFF is never needed: they are all below),
 * a backslash doubled.
 */
export function printableText(text: string): string {
  return text.replace(/[\u0000-\u001F\u007F-\u009F\\]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
}

/** UTF-8 bytes as {@link printableText}, each byte of an invalid sequence as `\xNN`. */
function escapedText(bytes: Uint8Array): string {
  const decoder = new TextDecoder('utf-8', {fatal: true})
  let out = ''
  let start = 0
  while (start < bytes.length) {
    const length = sequenceLength(bytes, start)
    if (length === 0) {
      out += `\\x${bytes[start].toString(16).padStart(2, '0')}`
      start++
      continue
    }

    out += printableText(decoder.decode(bytes.subarray(start, start + length)))
    start += length
  }

  return out
}

/** The length of the valid UTF-8 sequence at `at`, or 0 when the byte there starts none. */
function sequenceLength(bytes: Uint8Array, at: number): number {
  const first = bytes[at]
  if (first < 0x80) return 1
  const [length, min, max] =
    first >= 0xc2 && first <= 0xdf ? [2, 0x80, 0xbf]
    : first === 0xe0 ? [3, 0xa0, 0xbf]
    : first === 0xed ? [3, 0x80, 0x9f] // no surrogates
    : first >= 0xe1 && first <= 0xef ? [3, 0x80, 0xbf]
    : first === 0xf0 ? [4, 0x90, 0xbf]
    : first >= 0xf1 && first <= 0xf3 ? [4, 0x80, 0xbf]
    : first === 0xf4 ? [4, 0x80, 0x8f]
    : [0, 0, 0]
  if (length === 0 || at + length > bytes.length) return 0
  const second = bytes[at + 1]
  if (second < min || second > max) return 0
  for (let i = 2; i < length; i++) {
    const next = bytes[at + i]
    if (next < 0x80 || next > 0xbf) return 0
  }

  return length
}

/** A field as a bounded name, or null when absent, blank or DECNET's `None`. */
function name(value: unknown, max: number): null | string {
  if (typeof value !== 'string' && typeof value !== 'number') return null
  const text = String(value)
  if (text.trim() === '' || text === 'None') return null
  return sliceWhole(text, 0, max).replace(UNSTORABLE, '\uFFFD')
}

/** NUL and lone UTF-16 surrogates: no database stores them as text. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

function outcomeOf(value: unknown): CredentialOutcome | null {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : ''
  return text === 'success' || text === 'failure' ? text : null
}
