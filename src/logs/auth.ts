import type {LogRow} from '../db/schema.js'
import {normaliseEventType, readFields} from './fields.js'
import type {FieldsInput} from './fields.js'

/** How an authentication attempt ended. */
export type AuthOutcome = 'success' | 'failure'

/** What {@link classifyAuth} needs of a log row (`fields` as stored JSON text, or parsed). */
export type AuthSource = Pick<LogRow, 'event_type' | 'msg'> & {fields: FieldsInput}

/** Event types (normalised: lower case, `_`) that are authentication events. */
export const AUTH_EVENT_TYPES: ReadonlySet<string> = new Set([
  'login', 'login_attempt', 'login_failed', 'login_failure', 'login_success', 'login_succeeded', 'login_ok',
  'logon', 'logon_failed', 'logon_success', 'auth', 'auth_attempt', 'auth_failed', 'auth_failure', 'auth_success',
  'authentication', 'authentication_failed', 'authentication_failure', 'authentication_success',
  'failed_password', 'failed_login', 'failed_publickey', 'invalid_user', 'accepted_password',
  'accepted_publickey', 'bad_password', 'password_attempt',
])

/** Words of an event type that make it an authentication event even when it is not in the list. */
const AUTH_WORDS: ReadonlySet<string> = new Set(['login', 'logon', 'signin', 'auth', 'authentication', 'authenticate', 'credentials'])
const SUCCESS_WORDS: ReadonlySet<string> = new Set([
  'success', 'succeeded', 'successful', 'ok', 'accepted', 'accept', 'granted', 'pass', 'passed', 'allowed', 'allow', 'valid', 'authenticated',
])
const FAILURE_WORDS: ReadonlySet<string> = new Set([
  'fail', 'failed', 'failure', 'denied', 'deny', 'rejected', 'reject', 'invalid', 'error', 'wrong', 'bad', 'refused',
  'unauthorized', 'forbidden', 'blocked', 'incorrect',
])
const TRUE_VALUES: ReadonlySet<string> = new Set(['true', '1', 'yes', 'y'])
const FALSE_VALUES: ReadonlySet<string> = new Set(['false', '0', 'no', 'n'])
const MSG_FAILURE = /\b(?:fail(?:ed|ure)?|invalid|denied|incorrect|wrong|bad password|refused)\b/i
const MSG_SUCCESS = /\b(?:accepted|success(?:ful(?:ly)?)?|succeeded|logged in|granted)\b/i

/**
 * Whether a row is an authentication attempt, and how it ended; null when it
 * is not an authentication event. An authentication event has an event type
 * in {@link AUTH_EVENT_TYPES}, or one containing a word such as `login` or
 * `auth`. The outcome comes from the first of: the `success` field
 * (true/false/1/0/yes/no), the `result`, `status` or `outcome` field (words
 * such as `ok`, `accepted`, `failed`, `denied`, or an HTTP status: 2xx/3xx
 * success, 4xx/5xx failure), the event type's words (`login_success`,
 * `failed_password`), the message (`Accepted password`, `Failed password`);
 * an attempt that says nothing about its outcome counts as a failure.
 *
 * @example
 * ```ts
 * classifyAuth({event_type: 'login_attempt', fields: '{"success":"false"}', msg: null}) // 'failure'
 * classifyAuth({event_type: 'command', fields: '{}', msg: 'id'})                        // null
 * ```
 */
export function classifyAuth(row: AuthSource): AuthOutcome | null {
  const type = normaliseEventType(row.event_type ?? '')
  const words = type.split('_')
  if (!AUTH_EVENT_TYPES.has(type) && !words.some((word) => AUTH_WORDS.has(word))) return null
  const fields = readFields(row.fields)
  return fromSuccessField(fields.success) ?? fromResultFields(fields) ?? fromWords(words) ?? fromMessage(row.msg) ?? 'failure'
}

function fromSuccessField(value: unknown): AuthOutcome | null {
  if (typeof value === 'boolean') return value ? 'success' : 'failure'
  const text = String(value ?? '').trim().toLowerCase()
  if (TRUE_VALUES.has(text)) return 'success'
  if (FALSE_VALUES.has(text)) return 'failure'
  return null
}

function fromResultFields(fields: Readonly<Record<string, unknown>>): AuthOutcome | null {
  for (const name of ['result', 'status', 'outcome']) {
    const value = fields[name]
    if (value === undefined || value === null) continue
    const text = String(value).trim().toLowerCase()
    if (/^\d{3}$/.test(text)) return text < '400' ? 'success' : 'failure'
    const outcome = fromWords(text.split(/[^a-z]+/))
    if (outcome !== null) return outcome
  }

  return null
}

function fromWords(words: readonly string[]): AuthOutcome | null {
  if (words.some((word) => FAILURE_WORDS.has(word))) return 'failure'
  if (words.some((word) => SUCCESS_WORDS.has(word))) return 'success'
  return null
}

function fromMessage(msg: string | null): AuthOutcome | null {
  if (!msg) return null
  if (MSG_FAILURE.test(msg)) return 'failure'
  if (MSG_SUCCESS.test(msg)) return 'success'
  return null
}
