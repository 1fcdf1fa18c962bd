import type {LineMeaning, LogSemantics} from './fold.js'

import {classifyAuth} from '../../logs/auth.js'
import {COMMAND_FIELDS, extractCommand} from '../../logs/command.js'
import {readFields} from '../../logs/fields.js'

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({})
/** `"command"`, `"cmd"`, ...: a field that can hold a command, as it appears in the fields JSON. */
const COMMAND_FIELD_NAME = new RegExp(`"(?:${COMMAND_FIELDS.join('|')})"`)

/**
 * The profiler's reading of lines: src/logs' extractCommand and classifyAuth
 * (shared with the TTP worker), computed the cheap way, since the cold build
 * runs this for every stored line:
 *
 * - whether a line is an authentication attempt depends on its event type
 *   alone (the fields only decide the outcome, which a profile does not
 *   keep), so it is worked out once per event type;
 * - the fields JSON is parsed only when its text names a field that can hold
 *   a command (`"command"`, `"cmd"`, ...): without one, extractCommand gives
 *   the same answer from no fields at all.
 *
 * One instance per profiler (it remembers event types).
 *
 * @example
 * ```ts
 * const profiler = new Profiler(db, {semantics: new ProfilerSemantics()})
 * ```
 */
export class ProfilerSemantics implements LogSemantics {
  readonly #authTypes = new Map<string, boolean>()

  describe(row: Parameters<LogSemantics['describe']>[0]): LineMeaning {
    let isAuth = this.#authTypes.get(row.event_type)
    if (isAuth === undefined) {
      isAuth = classifyAuth({event_type: row.event_type, fields: NO_FIELDS, msg: null}) !== null
      this.#authTypes.set(row.event_type, isAuth)
    }

    const fields = COMMAND_FIELD_NAME.test(row.fields) ? readFields(row.fields) : NO_FIELDS
    return {command: extractCommand({event_type: row.event_type, fields, msg: row.msg}), isAuth}
  }
}
