import type {LogRow} from '../db/schema.js'
import {CMD_PREFIX, parseCmdText} from './cmd-text.js'
import {firstField, normaliseEventType, readFields} from './fields.js'
import type {FieldsInput} from './fields.js'

/** Event types (normalised: lower case, `_`) whose events are commands an attacker ran. */
export const COMMAND_EVENT_TYPES: ReadonlySet<string> = new Set([
  'command', 'exec', 'query', 'input', 'shell_input', 'execute', 'run', 'sql_query', 'redis_command',
])

/** The fields that may hold the command, in order of preference. */
export const COMMAND_FIELDS = Object.freeze(['command', 'query', 'input', 'line', 'sql', 'cmd'])

/** Fields that name a command whatever the event type (`query`, `input`, `line` are too vague on their own). */
const UNAMBIGUOUS_COMMAND_FIELDS = Object.freeze(['command', 'cmd'])

/** What {@link extractCommand} needs of a log row (`fields` as stored JSON text, or parsed). */
export type CommandSource = Pick<LogRow, 'event_type' | 'msg'> & {fields: FieldsInput}

/**
 * The command an attacker ran, when the row is a command-like event; null
 * otherwise. A command-like event is one whose event type is in
 * {@link COMMAND_EVENT_TYPES} (the command is then the first of
 * {@link COMMAND_FIELDS}, else the `cmd=` of a `CMD ...` message, else the
 * message itself), or any event with a `command` or `cmd` field, or a
 * `CMD ... cmd=...` message. The result is trimmed and never empty.
 *
 * @example
 * ```ts
 * extractCommand({event_type: 'command', fields: '{}', msg: 'CMD uid=0 user=root src=203.0.113.7 pwd=/root cmd=uname -a'}) // 'uname -a'
 * extractCommand({event_type: 'login_failed', fields: '{"user":"root"}', msg: null})                                      // null
 * ```
 */
export function extractCommand(row: CommandSource): string | null {
  return commandOf(readFields(row.fields), isCommandEventType(row.event_type ?? ''), row.msg)
}

/** Whether events of `eventType` are commands an attacker ran (see {@link COMMAND_EVENT_TYPES}). */
export function isCommandEventType(eventType: string): boolean {
  return COMMAND_EVENT_TYPES.has(normaliseEventType(eventType))
}

/**
 * {@link extractCommand} from parsed `fields` and what {@link isCommandEventType}
 * said of the row's event type, for callers that work the latter out once per
 * event type (the profiler's cold build runs this for every stored line).
 */
export function commandOf(fields: Readonly<Record<string, unknown>>, isCommandEvent: boolean, msg: null | string): string | null {
  const fromFields = firstField(fields, isCommandEvent ? COMMAND_FIELDS : UNAMBIGUOUS_COMMAND_FIELDS)
  if (fromFields !== null) return fromFields
  const text = msg?.trim() ?? ''
  if (text === '') return null
  const cmd = parseCmdText(text)?.cmd?.trim()
  if (cmd) return cmd
  return isCommandEvent && !text.startsWith(CMD_PREFIX) ? text : null
}
