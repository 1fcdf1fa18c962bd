/**
 * What a line says of the service it came from: that the attacker
 * interacted with it, only scanned it, or nothing (noise). DECNET's buckets
 * (its correlation event kinds), by event type.
 */
import {normaliseEventType} from './fields.js'

/** How a line counts towards a service's activity. */
export type Activity = 'interaction' | 'noise' | 'scan'

/** Event types (normalised) that show the attacker using a service, not just finding it. */
export const INTERACTION_EVENT_TYPES: ReadonlySet<string> = new Set([
  'command', 'exec', 'query', 'input', 'shell_input', 'execute', 'run', 'sql_query', 'redis_command', 'ldap_search', 'mail_from',
  'rcpt_to', 'rcpt_denied', 'message_accepted', 'file_captured', 'upload', 'download_attempt', 'retr', 'publish', 'subscribe',
  'session_recorded',
])

/** Event types (normalised) that say nothing of the attacker: a service starting, stopping or failing to parse. */
export const NOISE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'startup', 'shutdown', 'config_error', 'parse_error', 'unknown_packet', 'unknown_opcode', 'unknown_command', 'protocol_error',
])

/**
 * DECNET's own producers that are not services an attacker reaches: the
 * host's sniffer and prober, its correlator, tarpit and mutator. Their lines
 * are about an attacker, not a use of a service.
 */
export const INFRASTRUCTURE_SERVICES: ReadonlySet<string> = new Set(['sniffer', 'prober', 'correlator', 'tarpit', 'mutator'])

/**
 * How a line of `service` with `eventType` counts: `interaction` for the
 * interaction event types, `noise` for the noise ones and for DECNET's
 * infrastructure producers (and a NILVALUE service), `scan` for everything else
 * (a connection, a login attempt, a request, a probe).
 *
 * @example
 * ```ts
 * activityOf('ssh', 'command')      // 'interaction'
 * activityOf('smtp', 'connect')     // 'scan'
 * activityOf('sniffer', 'tcp_syn_fingerprint') // 'noise'
 * ```
 */
export function activityOf(service: string, eventType: string): Activity {
  return isServiceName(service) ? eventTypeActivity(eventType) : 'noise'
}

/** Whether `service` names a service an attacker reaches: not a NILVALUE, not empty, not one of {@link INFRASTRUCTURE_SERVICES}. */
export function isServiceName(service: string): boolean {
  return service !== '-' && service !== '' && !INFRASTRUCTURE_SERVICES.has(service)
}

/** {@link activityOf} for a service that counts: by event type alone. */
export function eventTypeActivity(eventType: string): Activity {
  const type = normaliseEventType(eventType)
  if (INTERACTION_EVENT_TYPES.has(type)) return 'interaction'
  if (NOISE_EVENT_TYPES.has(type)) return 'noise'
  return 'scan'
}

/**
 * The service a line shows the attacker reached, as an attacker's
 * `services` lists it: the line's own service (APP-NAME), except that a
 * recorded session counts for the session's own service (`sessionService`:
 * the `service` field of DECNET's recorder, `sessrec`: `ssh`, `telnet`), as
 * for service activity. `''` (no name) for DECNET's infrastructure producers
 * and a NILVALUE: they show no service reached. DECNET's `auth-helper` and
 * `bash` are kept as they are: their lines say neither port nor service, and
 * both serve SSH and Telnet alike.
 *
 * @example
 * ```ts
 * reachedService('sessrec', 'ssh') // 'ssh'
 * reachedService('sniffer')        // ''
 * reachedService('auth-helper')    // 'auth-helper'
 * ```
 */
export function reachedService(service: string, sessionService?: null | string): string {
  if (!isServiceName(service)) return ''
  if (sessionService === undefined || sessionService === null) return service
  return isServiceName(sessionService) ? sessionService : ''
}
