/**
 * Migration 0004's own copy of the rule that made a log line a failed login
 * when it was written (`logs/auth.ts` of that version). A migration must do
 * the same thing forever, whatever the live classifier becomes, so this file
 * is frozen: never edit it to follow `classifyAuth`.
 */

/** The log row columns the rule reads. */
export interface FrozenAuthRow {
  event_type: string | null
  fields: string | null
  msg: string | null
}

const LISTED: ReadonlySet<string> = new Set(('login login_attempt login_failed login_failure login_success login_succeeded login_ok logon logon_failed ' +
  'logon_success auth auth_attempt auth_failed auth_failure auth_success authentication authentication_failed ' +
  'authentication_failure authentication_success failed_password failed_login failed_publickey invalid_user ' +
  'accepted_password accepted_publickey bad_password password_attempt').split(' '))
const AUTH: ReadonlySet<string> = new Set('login logon signin auth authentication authenticate credentials'.split(' '))
const GOOD: ReadonlySet<string> = new Set('success succeeded successful ok accepted accept granted pass passed allowed allow valid authenticated'.split(' '))
const BAD: ReadonlySet<string> = new Set('fail failed failure denied deny rejected reject invalid error wrong bad refused unauthorized forbidden blocked incorrect'.split(' '))
const TRUE: ReadonlySet<string> = new Set(['true', '1', 'yes', 'y'])
const FALSE: ReadonlySet<string> = new Set(['false', '0', 'no', 'n'])
const MSG_BAD = /\b(?:fail(?:ed|ure)?|invalid|denied|incorrect|wrong|bad password|refused)\b/i
const MSG_GOOD = /\b(?:accepted|success(?:ful(?:ly)?)?|succeeded|logged in|granted)\b/i

type Verdict = boolean | null

/** True when the row was a failed login by the 0004 rule (an attempt that says nothing of its outcome failed). */
export function isFailedLogin0004(row: FrozenAuthRow): boolean {
  const words = (row.event_type ?? '').toLowerCase().replaceAll(/[-.\s]/g, '_').split('_')
  if (!LISTED.has(words.join('_')) && !words.some((w) => AUTH.has(w))) return false
  const fields = parseObject(row.fields)
  const succeeded = bySuccess(fields.success) ?? byResult(fields) ?? byWords(words) ?? byMessage(row.msg) ?? false
  return !succeeded
}

function parseObject(text: string | null): Record<string, unknown> {
  if (!text) return {}
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function bySuccess(value: unknown): Verdict {
  if (typeof value === 'boolean') return value
  const text = String(value ?? '').trim().toLowerCase()
  return TRUE.has(text) ? true : FALSE.has(text) ? false : null
}

function byResult(fields: Record<string, unknown>): Verdict {
  for (const value of [fields.result, fields.status, fields.outcome]) {
    if (value === undefined || value === null) continue
    const text = String(value).trim().toLowerCase()
    const verdict = /^\d{3}$/.test(text) ? text < '400' : byWords(text.split(/[^a-z]+/))
    if (verdict !== null) return verdict
  }

  return null
}

function byWords(words: readonly string[]): Verdict {
  return words.some((w) => BAD.has(w)) ? false : words.some((w) => GOOD.has(w)) ? true : null
}

function byMessage(msg: string | null): Verdict {
  return !msg ? null : MSG_BAD.test(msg) ? false : MSG_GOOD.test(msg) ? true : null
}
