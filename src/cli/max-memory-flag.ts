import * as Flags from '@oclif/core/flags'

import {MAX_MEMORY_FLAG_LIMIT_MB} from './max-memory-limit.js'

export {MAX_MEMORY_FLAG_LIMIT_MB} from './max-memory-limit.js'

/**
 * The `--max-memory MB` flag: a whole number of MiB from 1 to
 * {@link MAX_MEMORY_FLAG_LIMIT_MB}. `decnet fleet NAME` and `decnet fleet unit
 * NAME` both use it, so both refuse the same values with the same message
 * (oclif's `Parsing --max-memory ... Expected an integer ...`, exit 2).
 *
 * @param summary - the flag's one-line help.
 */
export function maxMemoryFlag(summary: string) {
  return Flags.integer({helpValue: 'MB', max: MAX_MEMORY_FLAG_LIMIT_MB, min: 1, summary})
}
