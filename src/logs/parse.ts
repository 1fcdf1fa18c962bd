import {attackerIp} from './attacker-ip.js'
import {parseCmdText} from './cmd-text.js'
import {parseStructuredData, setField} from './structured-data.js'
import {normaliseTimestamp} from './timestamp.js'

/** Longer lines are rejected (RFC 5424 receivers may limit; DECNET lines are far shorter). */
export const MAX_LINE_BYTES = 64 * 1024

/** RFC 5424 NILVALUE. */
export const NILVALUE = '-'

/** One accepted DECNET log line. */
export interface ParsedLine {
  /** PRI: facility * 8 + severity. */
  priority: number
  /** ISO-8601 UTC with milliseconds; null when the line's TIMESTAMP is NILVALUE. */
  timestamp: string | null
  /** HOSTNAME (`-` when NILVALUE). */
  decky: string
  /** APP-NAME (`-` when NILVALUE). */
  service: string
  /** PROCID (`-` when NILVALUE). */
  procId: string
  /** MSGID (`-` when NILVALUE). */
  eventType: string
  /**
   * The `relay@55555` parameters; other SD elements' parameters as `SD-ID.NAME`;
   * for a `CMD ...` message, its `key=value` pairs and `cmd` (SD parameters win on a clash).
   */
  fields: Record<string, string>
  /** MSG without a leading BOM; null when absent or empty. */
  msg: string | null
  /** See `attackerIp`. */
  attackerIp: string | null
}

/** A parsed line, or why the line was rejected. */
export type ParseResult = {ok: true; line: ParsedLine} | {ok: false; reason: string}

const HEADER_FIELDS = ['TIMESTAMP', 'HOSTNAME', 'APP-NAME', 'PROCID', 'MSGID'] as const

/**
 * Parses one DECNET log line,
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] [MSG]` (RFC 5424).
 * Never throws: a line that cannot be accepted comes back with a short,
 * specific reason (`bad PRI "<999>"`, `unsupported version 2`,
 * `bad timestamp "..."`, `unterminated SD element`, ...).
 *
 * @example
 * ```ts
 * const result = parseLine('<38>1 2026-11-26T13:32:51Z decky-01 ssh - login_failed [relay@55555 src_ip="203.0.113.7"] bad password')
 * if (result.ok) console.log(result.line.attackerIp) // 203.0.113.7
 * ```
 */
export function parseLine(line: string): ParseResult {
  return parse(line, true)
}

/** An ISO timestamp at the start of a message: the inner header of a double-wrapped line. */
const INNER_HEADER = /^ *\d{4}-\d\d-\d\dT\d\d:\d\d/

/**
 * The line rsyslog wrapped in a header of its own (DECNET-EVENTS §0.3 step 2,
 * §1.1: APP-NAME `1`, MSGID and SD `-`, the whole logger line
 * `TIMESTAMP HOSTNAME bash - command [timeQuality ...] CMD ...` as MSG), parsed
 * with the wrapper's PRI; undefined when the message is not such a line.
 * Its HOSTNAME is the container's cosmetic one: the wrapper's (the decky's
 * NODE_NAME, as its sessrec and file_captured lines say) is kept instead.
 */
function unwrapped(priority: number, decky: string, msg: string): ParsedLine | undefined {
  if (!INNER_HEADER.test(msg)) return undefined
  const inner = parse(`<${priority}>1 ${msg.trimStart()}`, false)
  return inner.ok ? {...inner.line, decky} : undefined
}

function parse(line: string, unwrap: boolean): ParseResult {
  const n = line.length
  if (n === 0) return reject('empty line')
  if (n > MAX_LINE_BYTES / 3) {
    const bytes = Buffer.byteLength(line)
    if (bytes > MAX_LINE_BYTES) return reject(`line too long (${bytes} bytes, max ${MAX_LINE_BYTES})`)
  }

  // <PRI>
  if (line.charCodeAt(0) !== 60) return reject('missing PRI (the line does not start with "<")')
  const close = line.indexOf('>', 1)
  if (close < 2 || close > 4) return reject(`bad PRI "${line.slice(0, Math.min(n, 6))}"`)
  let priority = 0
  for (let i = 1; i < close; i++) {
    const c = line.charCodeAt(i)
    if (c < 48 || c > 57) return reject(`bad PRI "${line.slice(0, close + 1)}"`)
    priority = priority * 10 + (c - 48)
  }

  if (priority > 191) return reject(`bad PRI "${line.slice(0, close + 1)}" (more than 191)`)

  // VERSION
  let i = close + 1
  const space = line.indexOf(' ', i)
  const version = line.slice(i, space === -1 ? n : space)
  if (version !== '1') {
    if (/^[1-9]\d{0,2}$/.test(version)) return reject(`unsupported version ${version}`)
    return reject('not RFC 5424: no version after PRI (RFC 3164 lines are not supported)')
  }

  if (space === -1) return reject('truncated header: no TIMESTAMP')
  i = space + 1

  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each followed by a space
  const t1 = line.indexOf(' ', i)
  const t2 = t1 === -1 ? -1 : line.indexOf(' ', t1 + 1)
  const t3 = t2 === -1 ? -1 : line.indexOf(' ', t2 + 1)
  const t4 = t3 === -1 ? -1 : line.indexOf(' ', t3 + 1)
  const t5 = t4 === -1 ? -1 : line.indexOf(' ', t4 + 1)
  if (t5 === -1 || t1 === i || t2 === t1 + 1 || t3 === t2 + 1 || t4 === t3 + 1 || t5 === t4 + 1) return reject(headerProblem(line, i))
  const rawTimestamp = line.slice(i, t1)
  const decky = line.slice(t1 + 1, t2)
  const service = line.slice(t2 + 1, t3)
  const procId = line.slice(t3 + 1, t4)
  const eventType = line.slice(t4 + 1, t5)
  i = t5 + 1

  let timestamp: string | null = null
  if (rawTimestamp !== NILVALUE) {
    timestamp = normaliseTimestamp(rawTimestamp)
    if (timestamp === null) return reject(`bad timestamp "${rawTimestamp.slice(0, 64)}"`)
  }

  // STRUCTURED-DATA
  const fields: Record<string, string> = {}
  const sd = line.charCodeAt(i)
  if (sd === 45) {
    i++
  } else if (sd === 91) {
    const result = parseStructuredData(line, i, fields)
    if (result.reason !== undefined) return reject(result.reason)
    i = result.end
  } else {
    return reject(i >= n ? 'truncated header: no STRUCTURED-DATA' : `bad STRUCTURED-DATA: expected "-" or "[", got "${line[i]}"`)
  }

  // [SP MSG]
  let msg: string | null = null
  if (i < n) {
    if (line.charCodeAt(i) !== 32) return reject(`bad STRUCTURED-DATA: unexpected "${line[i]}" at column ${i + 1}`)
    msg = line.charCodeAt(i + 1) === 0xfe_ff ? line.slice(i + 2) : line.slice(i + 1)
    if (msg === '') msg = null
  }

  if (unwrap && msg !== null && sd === 45 && eventType === NILVALUE) {
    const inner = unwrapped(priority, decky, msg)
    if (inner !== undefined) return {ok: true, line: inner}
  }

  if (msg !== null && msg.charCodeAt(0) === 67) {
    const pairs = parseCmdText(msg)
    if (pairs !== null) {
      for (const key of Object.keys(pairs)) if (!Object.hasOwn(fields, key)) setField(fields, key, pairs[key])
    }
  }

  return {
    ok: true,
    line: {priority, timestamp, decky, service, procId, eventType, fields, msg, attackerIp: attackerIp(fields, msg)},
  }
}

/** Which header field is missing or empty (the slow path of a rejected line). */
function headerProblem(line: string, start: number): string {
  let i = start
  for (const name of HEADER_FIELDS) {
    const end = line.indexOf(' ', i)
    if (end === -1) return i >= line.length ? `truncated header: no ${name}` : `truncated header: nothing after ${name}`
    if (end === i) return `empty ${name} (two spaces in a row)`
    i = end + 1
  }

  return 'bad header'
}

function reject(reason: string): ParseResult {
  return {ok: false, reason}
}
