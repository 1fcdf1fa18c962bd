/**
 * What one log line tells of an attacker's behaviour beyond its time and
 * service: tools its headers name, what DECNET's sniffer and prober saw of
 * its TCP stack, retransmits, a large payload. Worked out when a line is read
 * (the profiler keeps no fields text past that). Pure; every value bounded.
 */
import {normaliseEventType, readFields} from '../../../logs/fields.js'
import {headerTools} from './tool-guesses.js'

/** The TCP/IP stack snapshot of a SYN (sniffer) or SYN-ACK (prober), DECNET's keys. */
export interface TcpSnapshot {
  window: null | number
  wscale: null | number
  mss: null | number
  options_sig: null | string
  has_sack: boolean | null
  has_timestamps: boolean | null
  tos: null | number
  dscp: null | number
  ecn: null | number
}

/** What a line says (every member optional; most lines say nothing and have no signal). */
export interface BehaviorSignal {
  /** Tools its User-Agent or X-Mailer names. */
  tools?: readonly string[]
  /** The sniffer's p0f-lite label (not `unknown`). */
  os?: string
  /** The observed TTL of a SYN (sniffer) or SYN-ACK (prober). */
  ttl?: number
  /** Hops away (positive): the sniffer's `hop_distance`, or the prober's initial TTL guess minus its TTL. */
  hop?: number
  tcp?: TcpSnapshot
  /** The sniffer's IP-ID and ISN sequence classes, when not `unknown`. */
  ipid?: string
  isn?: string
  /** TCP retransmits of a flow (sniffer `tcp_flow_timing`). */
  retransmits?: number
  /** A `bytes`, `size` or `content_length` of at least 1 MiB. */
  largePayload?: true
}

/** A payload this large (bytes) or more is large (DECNET's threshold). */
export const LARGE_PAYLOAD_BYTES = 1_048_576
const MAX_LABEL = 64
const MAX_HEADER_VALUE = 1024
/** A size field with seven digits or more: the only ones that can reach 1 MiB. */
const LARGE_NUMBER = /"(?:bytes|size|content_length)":"?\s*\d{7,}/
const SIZE_FIELDS = ['bytes', 'size', 'content_length'] as const

type Kind = 'flow' | 'mail' | 'none' | 'request' | 'syn' | 'tcpfp'

/**
 * Reads lines' behaviour signals. One per profiler: it remembers what each
 * event type is.
 *
 * @example
 * ```ts
 * const reader = new BehaviorReader()
 * reader.read('tcp_flow_timing', '{"retransmits":"3"}') // {retransmits: 3}
 * ```
 */
export class BehaviorReader {
  readonly #kinds = new Map<string, Kind>()

  /**
   * The signal of a line with `eventType` and `fields` (JSON text, or parsed), or undefined when it says nothing.
   * `parsed`: the text's fields when the caller parsed them already (`readFields`), not to parse them again.
   */
  read(eventType: string, fields: Readonly<Record<string, unknown>> | string, parsed?: Readonly<Record<string, unknown>>): BehaviorSignal | undefined {
    let kind = this.#kinds.get(eventType)
    if (kind === undefined) {
      kind = kindOf(normaliseEventType(eventType))
      if (this.#kinds.size < 1000) this.#kinds.set(eventType, kind)
    }

    const large = typeof fields === 'string' ? LARGE_NUMBER.test(fields) : true
    if (kind === 'none' && !large) return undefined
    const object = typeof fields === 'string' ? (parsed ?? readFields(fields)) : fields
    const signal: BehaviorSignal = {}
    if (large && SIZE_FIELDS.some((name) => (integer(object[name]) ?? 0) >= LARGE_PAYLOAD_BYTES)) signal.largePayload = true
    if (kind === 'request') request(object, signal)
    else if (kind === 'mail') mail(object, signal)
    else if (kind === 'syn') syn(object, signal)
    else if (kind === 'tcpfp') tcpfp(object, signal)
    else if (kind === 'flow') {
      const retransmits = integer(object.retransmits)
      if (retransmits !== undefined && retransmits > 0) signal.retransmits = Math.min(retransmits, 1e9)
    }

    return Object.keys(signal).length === 0 ? undefined : signal
  }
}

function kindOf(type: string): Kind {
  switch (type) {
    case 'request': return 'request'
    case 'message_stored': return 'mail'
    case 'tcp_syn_fingerprint': return 'syn'
    case 'tcpfp_fingerprint': return 'tcpfp'
    case 'tcp_flow_timing': return 'flow'
    default: return 'none'
  }
}

function request(fields: Readonly<Record<string, unknown>>, signal: BehaviorSignal): void {
  const headers = fields.headers
  if (typeof headers !== 'string' && (headers === null || typeof headers !== 'object')) return
  const userAgent = headerValue(headers, 'user-agent')
  const mailer = headerValue(headers, 'x-mailer')
  const tools = headerTools(userAgent, mailer)
  if (tools.length > 0) signal.tools = tools
}

function mail(fields: Readonly<Record<string, unknown>>, signal: BehaviorSignal): void {
  const mailer = text(fields.x_mailer, MAX_HEADER_VALUE)
  const tools = headerTools(undefined, mailer ?? undefined)
  if (tools.length > 0) signal.tools = tools
}

function syn(fields: Readonly<Record<string, unknown>>, signal: BehaviorSignal): void {
  const os = text(fields.os_guess, MAX_LABEL)
  if (os !== null && os !== 'unknown') signal.os = os
  const ttl = integer(fields.ttl)
  if (ttl !== undefined && ttl > 0 && ttl <= 255) signal.ttl = ttl
  const hop = integer(fields.hop_distance)
  if (hop !== undefined && hop > 0 && hop <= 255) signal.hop = hop
  signal.tcp = {
    dscp: integer(fields.dscp) ?? null,
    ecn: integer(fields.ecn) ?? null,
    has_sack: flag(fields.has_sack),
    has_timestamps: flag(fields.has_timestamps),
    mss: integer(fields.mss) ?? null,
    options_sig: text(fields.options_sig, MAX_LABEL),
    tos: integer(fields.tos) ?? null,
    window: integer(fields.window) ?? null,
    wscale: integer(fields.wscale) ?? null,
  }
  const ipid = text(fields.ipid_class, MAX_LABEL)
  if (ipid !== null && ipid !== 'unknown') signal.ipid = ipid
  const isn = text(fields.isn_class, MAX_LABEL)
  if (isn !== null && isn !== 'unknown') signal.isn = isn
}

function tcpfp(fields: Readonly<Record<string, unknown>>, signal: BehaviorSignal): void {
  const ttl = integer(fields.ttl)
  if (ttl !== undefined && ttl > 0 && ttl <= 255) {
    signal.ttl = ttl
    // the initial TTL the observed one was counted down from
    const hop = (ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255) - ttl
    if (hop > 0) signal.hop = hop
  }

  const wscale = integer(fields.window_scale)
  signal.tcp = {
    dscp: integer(fields.dscp) ?? null,
    ecn: integer(fields.ecn) ?? null,
    has_sack: bit(fields.sack_ok),
    has_timestamps: bit(fields.timestamp),
    mss: integer(fields.mss) ?? null,
    options_sig: text(fields.options_order, MAX_LABEL),
    tos: integer(fields.tos) ?? null,
    window: integer(fields.window_size) ?? null,
    wscale: wscale === undefined || wscale < 0 ? null : wscale,
  }
}

/** A header's value from a JSON object, its text, or a Python-repr dict's text; names compared in lower case. */
function headerValue(headers: object | string, name: string): string | undefined {
  let object: unknown = headers
  if (typeof headers === 'string') {
    try {
      object = JSON.parse(headers)
    } catch {
      // DECNET's https sends a Python-repr dict: find the pair in the text
      const match = new RegExp(`(['"])${name}\\1\\s*:\\s*(['"])((?:\\\\.|(?!\\2).)*)\\2`, 'i').exec(headers)
      return match === null ? undefined : match[3].slice(0, MAX_HEADER_VALUE)
    }
  }

  if (object === null || typeof object !== 'object') return undefined
  for (const [key, value] of Object.entries(object)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value.slice(0, MAX_HEADER_VALUE)
  }

  return undefined
}

function integer(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value !== 'string' || !/^\s*-?\d{1,15}\s*$/.test(value)) return undefined
  return Number(value)
}

function text(value: unknown, max: number): null | string {
  if (typeof value !== 'string' || value.trim() === '') return null
  return value.trim().slice(0, max)
}

function flag(value: unknown): boolean | null {
  if (value === true || value === 'true' || value === 'True') return true
  if (value === false || value === 'false' || value === 'False') return false
  return null
}

function bit(value: unknown): boolean | null {
  if (value === 1 || value === '1') return true
  if (value === 0 || value === '0') return false
  return null
}
