/**
 * Migration 0017's own copy of the rule that names the service a log line
 * shows its attacker reached (`reachedService` in `logs/activity.ts` and
 * `contactService` in the profiler's fold, as of this version, with the
 * session service `extractArtifact` reads). A migration must do the same
 * thing forever, whatever the live rule becomes, so this file is frozen:
 * never edit it to follow the profiler.
 */

/** DECNET's own producers that are no service an attacker reaches. */
const INFRASTRUCTURE: ReadonlySet<string> = new Set(['sniffer', 'prober', 'correlator', 'tarpit', 'mutator'])
/** Characters of a session's service kept (an artifact's text). */
const MAX_TEXT = 512
/** NUL and lone UTF-16 surrogates, stored as U+FFFD. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** The log row columns the rule reads. */
export interface FrozenServiceRow {
  event_type: string
  fields: null | string
  service: string
}

/**
 * Whether SQL's `lower(event_type) LIKE 'session_recorded'` can leave out a
 * line this rule moves: never. A recorded session's event type spells
 * `session_recorded` in any case, with `-`, `.` or a space for the `_`;
 * LIKE's `_` matches any one character, so the SQL finds a superset, which
 * {@link isSession0017} narrows.
 */
export const SESSION_LIKE = 'session_recorded'

/** Whether `service` names a service an attacker reaches: not a NILVALUE, not empty, not DECNET's infrastructure. */
export function isServiceName0017(service: string): boolean {
  return service !== '-' && service !== '' && !INFRASTRUCTURE.has(service)
}

/** Whether lines of `eventType` are recorded sessions. */
export function isSession0017(eventType: string): boolean {
  return eventType.toLowerCase().replaceAll(/[-.\s]/g, '_') === 'session_recorded'
}

/**
 * The service `row` counts for in its attacker's `services`: `''` (none)
 * for DECNET's infrastructure and a NILVALUE, a recorded session's own
 * service (its `service` field) for a session line, else its own.
 */
export function reachedService0017(row: FrozenServiceRow): string {
  if (!isServiceName0017(row.service)) return ''
  const session = isSession0017(row.event_type) ? sessionService(row.fields) : null
  if (session === null) return row.service
  return isServiceName0017(session) ? session : ''
}

/** The `service` field of a session line's fields (JSON text), as the profiler kept it; null for none. */
function sessionService(fields: null | string): null | string {
  let parsed: unknown
  try {
    parsed = fields === null || fields === '' ? {} : JSON.parse(fields)
  } catch {
    return null // not JSON: no fields, so no service
  }

  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null
  const value = (parsed as Record<string, unknown>).service
  if (typeof value !== 'string' && typeof value !== 'number') return null
  const text = String(value)
  if (text === '' || text === '-') return null
  return wholePrefix(text, MAX_TEXT).replace(UNSTORABLE, '\uFFFD')
}

/** The first `max` UTF-16 units of `text`, one fewer when that would cut a surrogate pair. */
function wholePrefix(text: string, max: number): string {
  const high = text.charCodeAt(max - 1)
  const low = text.charCodeAt(max)
  const cut = high >= 0xd8_00 && high <= 0xdb_ff && low >= 0xdc_00 && low <= 0xdf_ff ? max - 1 : max
  return text.slice(0, cut)
}
