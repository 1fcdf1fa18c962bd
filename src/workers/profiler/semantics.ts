import type {LogSemantics} from './fold.js'

import {classifyAuth} from '../../logs/auth.js'
import {extractCommand} from '../../logs/command.js'

/** The log semantics the profiler uses: src/logs, shared with the TTP worker. */
export const defaultSemantics: LogSemantics = Object.freeze({classifyAuth, extractCommand})
