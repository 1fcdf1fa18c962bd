/**
 * The fingerprints a log line carries: what a client's software, stack or
 * network path looks like (TLS hellos, HTTP headers, SSH banners, TCP and
 * ICMP behaviour), one entry per family, each with the value that identifies
 * it and the fields that describe it (DECNET-EVENTS.md §2a.2, §2a.3, §2b.2;
 * docs/profiles.md#fingerprints says how each family differs from DECNET's).
 */
import {createHash} from 'node:crypto'

import {sliceWhole} from '../../util/slice-whole.js'
import {normaliseIp} from '../attacker-ip.js'
import {normaliseEventType} from '../fields.js'
import {readHeaders} from './header-object.js'
import {headerQuirks} from './header-quirks.js'
import {proxyClaim} from './proxy-claim.js'
import {classifyUserAgent} from './user-agent.js'

/** One fingerprint a line carries. */
export interface Fingerprint {
  /** The family: `http_useragent`, `ja3`, `hassh_server`, ... (see {@link FINGERPRINT_TYPES}). */
  type: string
  /** What identifies it within its family (a hash, a banner, a User-Agent), at most {@link MAX_VALUE} characters. */
  value: string
  /** SHA-256 (hex) of the whole value: the identity, however long the value was. */
  valueSha256: string
  /** The descriptive fields, as the line gave them (strings at most {@link MAX_DETAIL} characters). */
  details: Record<string, unknown>
}

/** Every family, in the order `decnet attackers show` lists them. */
export const FINGERPRINT_TYPES = Object.freeze([
  'http_useragent', 'http_quirks', 'ja4h_decnet', 'http2_settings', 'http3_settings', 'ja3', 'ja4', 'ja3s', 'ja4s', 'ja4l', 'ja4_quic',
  'tls_resumption', 'tls_certificate', 'jarm', 'hassh_server', 'kex_order', 'ssh_client_banner', 'tcpfp', 'icmp_error', 'icmp6_error',
  'vnc_client_version', 'ip_leak', 'spoofed_source',
] as const)

/** The two proxy-header claim families: their value is the address claimed, which the profiler checks against the line's source. */
export const CLAIM_TYPES: ReadonlySet<string> = new Set(['ip_leak', 'spoofed_source'])

/** Characters of a value kept (its hash covers all of it). */
export const MAX_VALUE = 1024
/** Characters of a descriptive string kept. */
export const MAX_DETAIL = 512

/** Event types whose lines may carry a fingerprint in their fields (besides any line with `headers`). */
export const FINGERPRINT_EVENT_TYPES: ReadonlySet<string> = new Set([
  'version', 'tls_client_hello', 'tls_session', 'tls_certificate', 'jarm_fingerprint', 'hassh_fingerprint', 'tcpfp_fingerprint',
  'icmp_error_leak', 'icmp6_error_leak', 'http_request_fingerprint', 'http2_settings', 'http3_settings', 'quic_client_hello',
  'ssh_client_banner',
])

type Fields = Readonly<Record<string, unknown>>

/**
 * Remembers the fingerprints of `headers` texts: a tool sends the same
 * headers request after request, and reading them (JSON, the classifier,
 * three hashes) costs far more than looking them up.
 */
export interface HeadersMemory {
  get(headers: string): readonly Fingerprint[] | undefined
  set(headers: string, fingerprints: readonly Fingerprint[]): void
  /**
   * Optional: the SHA-256 (hex) of a value it was given with {@link rememberSha256}, if it
   * still holds it (a JA3, a banner or a User-Agent comes back line after line).
   */
  sha256Of?(value: string): string | undefined
  rememberSha256?(value: string, sha256: string): void
}

/**
 * The fingerprints of a line of service `service` and event type
 * `eventType` with `fields` (parsed), in a fixed order; none for most lines.
 *
 * @example
 * ```ts
 * extractFingerprints('sniffer', 'ssh_client_banner', {src_ip: '203.0.113.7', ssh_version: 'SSH-2.0-Go'})
 * // [{type: 'ssh_client_banner', value: 'SSH-2.0-Go', valueSha256: '…', details: {}}]
 * ```
 */
export function extractFingerprints(service: string, eventType: string, fields: Fields, memory?: HeadersMemory): Fingerprint[] {
  const out: Fingerprint[] = []
  const add = (type: string, value: null | string, details: Record<string, unknown> = {}) => {
    if (value !== null && value !== '') out.push(fingerprint(type, value, details, memory))
  }

  const headers = fields.headers
  if (typeof headers === 'string') {
    const known = memory?.get(headers)
    if (known === undefined) {
      fromHeaders(headers, add)
      memory?.set(headers, out.slice())
    } else {
      out.push(...known)
    }
  }

  const type = normaliseEventType(eventType)
  if (!FINGERPRINT_EVENT_TYPES.has(type)) return out
  const f = (name: string) => text(fields, name)
  const pick = (...names: string[]) => details(fields, names)
  switch (type) {
    case 'version': {
      add('vnc_client_version', f('client_version'))
      break
    }

    case 'tls_client_hello': {
      add('ja3', f('ja3'), pick('tls_version', 'sni', 'alpn', 'raw_ciphers', 'raw_extensions', 'dst_port'))
      add('ja4', f('ja4'), pick('tls_version', 'sni', 'alpn', 'dst_port'))
      add('ja4l', f('ja4l_client_ttl') ?? (f('ja4l_rtt_ms') === null ? null : '?'), pick('ja4l_rtt_ms', 'ja4l_client_ttl'))
      add('tls_resumption', f('resumption'))
      break
    }

    case 'tls_session': {
      add('ja3s', f('ja3s'), pick('tls_version', 'dst_port'))
      add('ja4s', f('ja4s'), pick('tls_version', 'dst_port'))
      break
    }

    case 'tls_certificate': {
      // the sniffer's certificate on attacker-to-decky traffic is the decky's own (§6.17): only the prober's is the attacker's
      if (normaliseEventType(service) !== 'prober' && f('cert_sha256') === null) break
      const cert = pick('subject_cn', 'issuer', 'self_signed', 'not_before', 'not_after', 'sans', 'cert_sha256', 'target_port')
      add('tls_certificate', f('cert_sha256') ?? joined(fields, ['subject_cn', 'issuer', 'not_before', 'not_after']), cert)
      break
    }

    case 'jarm_fingerprint': {
      add('jarm', f('jarm_hash'), pick('target_port'))
      break
    }

    case 'hassh_fingerprint': {
      add('hassh_server', f('hassh_server_hash'), pick('ssh_banner', 'kex_algorithms', 'encryption_s2c', 'mac_s2c', 'compression_s2c', 'target_port'))
      add('kex_order', f('kex_algorithms'), pick('target_port'))
      break
    }

    case 'tcpfp_fingerprint': {
      add('tcpfp', f('tcpfp_hash'), pick(
        'tcpfp_raw', 'ttl', 'window_size', 'df_bit', 'mss', 'window_scale', 'sack_ok', 'timestamp', 'options_order', 'tos', 'dscp', 'ecn', 'target_port',
      ))
      break
    }

    case 'icmp_error_leak': {
      add('icmp_error', f('icmp_fp_hash'), pick(...icmpFields('icmp', ['port_unreach', 'time_exceeded', 'frag_needed', 'param_problem']), 'icmp_time_exceeded_hop'))
      break
    }

    case 'icmp6_error_leak': {
      const kinds = ['port_unreach', 'hop_limit_exceeded', 'unknown_next_header', 'bad_dest_option']
      add('icmp6_error', f('icmp6_fp_hash'), pick(...icmpFields('icmp6', kinds), 'icmp6_hop_limit_exceeded_hop'))
      break
    }

    case 'http_request_fingerprint': {
      add('ja4h_decnet', f('ja4h'), {...pick('proto', 'accept_language'), ...jsonDetail(fields, 'headers_ordered')})
      break
    }

    case 'http2_settings':
    case 'http3_settings': {
      const settings = settingsValue(fields)
      add(type, settings, {...jsonDetail(fields, 'settings'), ...jsonDetail(fields, 'frame_order')})
      break
    }

    case 'quic_client_hello': {
      add('ja4_quic', f('ja4_quic'), pick('sni', 'alpn', 'raw_ciphers'))
      break
    }

    case 'ssh_client_banner': {
      add('ssh_client_banner', f('ssh_version'))
      break
    }

    default:
  }

  return out
}

/**
 * The attacker a prober line is about (its `target_ip`, §1.13), or null: the
 * prober probes the attacker, so its lines name no `src_ip`.
 */
export function probedAttacker(service: string, fields: Fields): null | string {
  if (normaliseEventType(service) !== 'prober') return null
  const target = fields.target_ip
  return typeof target === 'string' ? normaliseIp(target.trim()) : null
}

/** The User-Agent, header-quirks and proxy-claim fingerprints of a `headers` field. */
function fromHeaders(text: string, add: (type: string, value: null | string, details?: Record<string, unknown>) => void): void {
  const headers = readHeaders(text)
  if (headers === null) return
  const ua = headers.find(([name]) => name.toLowerCase() === 'user-agent')
  if (ua !== undefined) {
    const {category, signals, tool} = classifyUserAgent(ua[1])
    // an empty User-Agent is a fingerprint too (scripts that blank it): its value is spelt `""`
    add('http_useragent', ua[1] === '' ? '""' : ua[1], {category, signals, tool})
  }

  const quirks = headerQuirks(headers.map(([name]) => name))
  if (quirks !== null) {
    const {casingCategory, casingHash, order, orderHash, stableCount, toolGuess} = quirks
    const shown = order.map((name) => name.slice(0, 64))
    add('http_quirks', `${orderHash}:${casingHash}`, {casingCategory, casingHash, order: shown, orderHash, stableCount, toolGuess})
  }

  const claim = proxyClaim(headers)
  if (claim !== null) {
    const {category, claimed, header, headersSeen} = claim
    add(category === 'public' ? 'ip_leak' : 'spoofed_source', claimed, {category, header, headersSeen})
  }
}

function fingerprint(type: string, raw: string, details: Record<string, unknown>, memory?: HeadersMemory): Fingerprint {
  // a lone surrogate has no UTF-8 (PostgreSQL would store U+FFFD, SQLite three bytes that read back as three), and PostgreSQL text holds no NUL
  const value = raw.replaceAll(UNSTORABLE, '\ufffd')
  const kept = value.length > MAX_VALUE ? sliceWhole(value, 0, MAX_VALUE) : value
  let valueSha256 = memory?.sha256Of?.(value)
  if (valueSha256 === undefined) {
    valueSha256 = createHash('sha256').update(value).digest('hex')
    memory?.rememberSha256?.(value, valueSha256)
  }

  return {details, type, value: kept, valueSha256}
}

const UNSTORABLE = /\p{Cs}|\u0000/gu

/** A field as text (numbers as written), trimmed, or null when absent or blank. */
function text(fields: Fields, name: string): null | string {
  const value = fields[name]
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value !== 'string') return null
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}

/** The fields among `names` that the line has, as text cut to {@link MAX_DETAIL}. */
function details(fields: Fields, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of names) {
    const value = text(fields, name)
    if (value !== null) out[name] = sliceWhole(value, 0, MAX_DETAIL)
  }

  return out
}

/** A field that holds JSON (a list, an object) as the value it spells, or as its text when it spells none. */
function jsonDetail(fields: Fields, name: string): Record<string, unknown> {
  const value = text(fields, name)
  if (value === null) return {}
  if (value.length <= MAX_DETAIL * 4) {
    try {
      return {[name]: JSON.parse(value) as unknown}
    } catch {
      // not JSON: kept as text below
    }
  }

  return {[name]: sliceWhole(value, 0, MAX_DETAIL)}
}

/** HTTP/2 and /3 SETTINGS as `NAME=value` in the logged order, `;`-joined, then `|` and the frame order: the same client stack gives the same text. */
function settingsValue(fields: Fields): null | string {
  const settings = text(fields, 'settings')
  if (settings === null) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(settings)
  } catch {
    return settings
  }

  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return settings
  const pairs = Object.entries(parsed as Record<string, unknown>).map(([name, value]) => `${name}=${String(value)}`)
  const order = text(fields, 'frame_order')
  return `${pairs.join(';')}|${order ?? '[]'}`
}

function joined(fields: Fields, names: readonly string[]): null | string {
  const parts = names.map((name) => text(fields, name) ?? '')
  return parts.every((part) => part === '') ? null : parts.join(' | ')
}

function icmpFields(prefix: string, kinds: readonly string[]): string[] {
  return [`${prefix}_matrix`, ...kinds.flatMap((kind) => [`${prefix}_${kind}`, `${prefix}_${kind}_rtt_ms`])]
}
