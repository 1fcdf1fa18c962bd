import type {LineMeaning, LogSemantics} from './fold.js'

import {classifyAuth} from '../../logs/auth.js'
import {COMMAND_FIELDS, commandOf, isCommandEventType} from '../../logs/command.js'
import {extractCredential} from '../../logs/credential.js'
import {readFields} from '../../logs/fields.js'

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({})
const AUTH_LINE: LineMeaning = Object.freeze({command: null, isAuth: true})
const PLAIN_LINE: LineMeaning = Object.freeze({command: null, isAuth: false})
/** `"command"`, `"cmd"`, ...: a field that can hold a command, as it appears in the fields JSON. */
const COMMAND_FIELD_NAME = new RegExp(`"(?:${COMMAND_FIELDS.join('|')})"`)

/**
 * The profiler's reading of lines: src/logs' extractCommand and classifyAuth
 * (shared with the TTP worker), computed the cheap way, since the cold build
 * runs this for every stored line:
 *
 * - whether a line is an authentication attempt depends on its event type
 *   alone (the fields only decide the outcome, which a profile does not
 *   keep), so it is worked out once per event type, as is whether its event
 *   type makes it a command;
 * - the fields JSON is parsed only when its text names a field that can hold
 *   a command (`"command"`, `"cmd"`, ...) or a secret (`"secret_b64"`), or
 *   has a `\u` escape: without any, extractCommand and extractCredential
 *   give the same answer from no fields at all.
 *
 * One instance per profiler (it remembers event types).
 *
 * @example
 * ```ts
 * const profiler = new Profiler(db, {semantics: new ProfilerSemantics()})
 * ```
 */
export class ProfilerSemantics implements LogSemantics {
  readonly #eventTypes = new Map<string, EventType>()

  describe(row: Parameters<LogSemantics['describe']>[0]): LineMeaning {
    let type = this.#eventTypes.get(row.event_type)
    if (type === undefined) {
      type = {
        isAuth: classifyAuth({event_type: row.event_type, fields: NO_FIELDS, msg: null}) !== null,
        isCommand: isCommandEventType(row.event_type),
      }
      this.#eventTypes.set(row.event_type, type)
    }

    const fields = mayNameCommandField(row.fields) || mayHoldSecret(row.fields) ? readFields(row.fields) : NO_FIELDS
    const command = commandOf(fields, type.isCommand, row.msg)
    const credential = fields === NO_FIELDS ? null : extractCredential(fields)
    if (credential !== null) return {command, credential, isAuth: type.isAuth}
    // most lines are no command: share their answer instead of allocating one per line
    if (command === null) return type.isAuth ? AUTH_LINE : PLAIN_LINE
    return {command, isAuth: type.isAuth}
  }
}

/** What an event type alone says of a line. */
interface EventType {
  isAuth: boolean
  isCommand: boolean
}

/**
 * Whether fields JSON text may have a key that can hold a command: it names
 * one (`"command"`, ...), or it has a `\u` escape, which could spell one
 * (`"\u0063md"` is `"cmd"`; JSON.stringify never writes that, a foreign log
 * store might).
 */
function mayNameCommandField(fields: string): boolean {
  return COMMAND_FIELD_NAME.test(fields) || fields.includes('\\u')
}

/** Whether fields JSON text may carry a credential (a `"secret_b64"` key; a `\u`-spelt one is caught above). */
function mayHoldSecret(fields: string): boolean {
  return fields.includes('"secret_b64"')
}
