import * as Flags from '@oclif/core/flags'

import type {DatabaseChoice} from '../db/database-choice.js'
import type {SqliteCreate} from '../db/sqlite-dialect.js'

/**
 * The `--db URL` flag of every command that touches data. Resolve it with
 * `chooseDatabase({flag: flags.db, dataDir: this.config.dataDir})`, or open
 * it with `withChosenDatabase` (chosen-database.ts).
 */
export const databaseFlag = Flags.string({
  helpValue: 'URL',
  summary: 'Database: postgres://USER@HOST/DB, sqlite:PATH or a file path [default: $DECNET_DB_URL, else db/decnet.sqlite in the data directory].',
})

/**
 * What opening the chosen database may create: a command that only reads
 * creates nothing (a typo in `--db` must not make an empty database and then
 * report that it holds nothing); a command that writes creates the file, and
 * the directory too only for decnet's default place.
 *
 * @example
 * ```ts
 * await withDatabase(choice.url, use, {create: sqliteCreate(choice, 'read')})
 * ```
 */
export function sqliteCreate(choice: DatabaseChoice, access: 'read' | 'write'): SqliteCreate {
  if (access === 'read') return 'nothing'
  return choice.origin === 'default' ? 'directory' : 'file'
}
