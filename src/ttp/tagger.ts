/**
 * Turns a batch of log rows into ATT&CK tags: rule matches on command events,
 * HTTP requests, database commands, mail, captured files and network sensor
 * events, and the authentication failures the brute-force rule counts.
 */
import type {LogRow, NewTtpTag} from '../db/schema.js'
import type {AuthFailure} from './brute-force.js'
import type {Matcher} from './matcher.js'

import {classifyAuth} from '../logs/auth.js'
import {extractCommand} from '../logs/command.js'
import {databaseText} from '../logs/database-query.js'
import {emailText} from '../logs/email-message.js'
import {readFields} from '../logs/fields.js'
import {fileText} from '../logs/file-capture.js'
import {httpRequestText} from '../logs/http-request.js'
import {networkText} from '../logs/network-event.js'

/** The columns of `logs` the tagger reads. */
export type TtpLog = Pick<LogRow, 'attacker_ip' | 'event_type' | 'fields' | 'id' | 'msg' | 'timestamp'>

/** What a batch yields: rule tags, and the failed authentications for the counting rule. */
export interface BatchTags {
  readonly tags: NewTtpTag[]
  readonly failures: AuthFailure[]
  /** How many rows (from the first) were tagged: all of them, unless the time budget ran out. */
  readonly count: number
}

/**
 * Tags the command, HTTP, database, mail, file and network events of `rows` with `matcher` and collects their failed
 * authentications (those with an attacker IP and a readable timestamp).
 * Stops after the row during which `budgetMs` ran out (at least one row is
 * always tagged): hostile commands can make the rules slow (each is bounded,
 * but thousands of them add up), and a tick must not block its process for
 * longer than the watchdog allows.
 *
 * @example
 * ```ts
 * const {tags, failures} = tagLogs(rows, new Matcher(rules))
 * ```
 */
export function tagLogs(rows: readonly TtpLog[], matcher: Matcher, budgetMs = Number.POSITIVE_INFINITY): BatchTags {
  const tags: NewTtpTag[] = []
  const failures: AuthFailure[] = []
  const deadline = performance.now() + budgetMs
  let count = 0
  for (const row of rows) {
    if (count > 0 && performance.now() >= deadline) break
    count++
    const source = {event_type: row.event_type, fields: readFields(row.fields), msg: row.msg}
    const command = extractCommand(source)
    if (command !== null) tags.push(...matcher.tags(row, {command}))
    const http = httpRequestText(source)
    if (http !== null) tags.push(...matcher.tags(row, {http}))
    const database = databaseText(source)
    if (database !== null) tags.push(...matcher.tags(row, {database}))
    const email = emailText(source)
    if (email !== null) tags.push(...matcher.tags(row, {email}))
    const file = fileText(source)
    if (file !== null) tags.push(...matcher.tags(row, {file}))
    const network = networkText(source)
    if (network !== null) tags.push(...matcher.tags(row, {network}))
    const failure = asFailure(row, source)
    if (failure !== undefined) failures.push(failure)
  }

  return {count, failures, tags}
}

/** The failures among log rows read back from history (migration 0004 fills `auth_failures` with it). */
export function failuresOf(rows: readonly TtpLog[]): AuthFailure[] {
  const failures: AuthFailure[] = []
  for (const row of rows) {
    // classifyAuth parses `fields` only for authentication events: most history rows are not
    const failure = asFailure(row, {event_type: row.event_type, fields: row.fields, msg: row.msg})
    if (failure !== undefined) failures.push(failure)
  }

  return failures
}

function asFailure(row: TtpLog, source: Parameters<typeof classifyAuth>[0]): AuthFailure | undefined {
  if (!row.attacker_ip || classifyAuth(source) !== 'failure') return undefined
  const ms = Date.parse(row.timestamp)
  return Number.isFinite(ms) ? {id: row.id, ip: row.attacker_ip, ms, timestamp: row.timestamp} : undefined
}
