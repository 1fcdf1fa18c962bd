import * as Flags from '@oclif/core/flags'

import {RULES_DIR_ENV} from '../ttp/rule-loader.js'

/**
 * The `--rules-dir DIR` flag of the `rules` commands: an operator's rule
 * directory, as the `ttp` worker reads it (`$DECNET_RULES_DIR` by default).
 */
export const rulesDirFlag = Flags.string({
  env: RULES_DIR_ENV,
  helpValue: 'DIR',
  summary: `An operator's directory of *.json rule files, loaded after the shipped pack [default: $${RULES_DIR_ENV}].`,
})
