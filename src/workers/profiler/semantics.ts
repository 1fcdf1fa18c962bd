import type {LineMeaning, LogSemantics} from './fold.js'

import {classifyAuth} from '../../logs/auth.js'
import {extractCommand} from '../../logs/command.js'
import {readFields} from '../../logs/fields.js'

/**
 * The profiler's reading of a line: src/logs' extractCommand and
 * classifyAuth (shared with the TTP worker), with the fields JSON parsed once
 * for both.
 */
export const defaultSemantics: LogSemantics = Object.freeze({
  describe(row: Parameters<LogSemantics['describe']>[0]): LineMeaning {
    const parsed = {event_type: row.event_type, fields: readFields(row.fields), msg: row.msg}
    return {command: extractCommand(parsed), isAuth: classifyAuth(parsed) !== null}
  },
})
