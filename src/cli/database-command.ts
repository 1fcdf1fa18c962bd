import * as Flags from '@oclif/core/flags'

import type {DatabaseChoice} from '../db/database-choice.js'
import type {SqliteCreate} from '../db/sqlite-dialect.js'

import {exitFor} from './error-exits.js'
import {DatabaseError} from '../db/errors.js'
import {DatabaseUrlError} from '../db/url.js'

/**
 * The `--db URL` flag of every command that touches data. Resolve it with
 * `chooseDatabase({flag: flags.db, dataDir: this.config.dataDir})`.
 */
export const databaseFlag = Flags.string({
  helpValue: 'URL',
  summary: 'Database: postgres://USER@HOST/DB, sqlite:PATH or a file path [default: $DECNET_DB_URL, else db/decnet.sqlite in the data directory].',
})

/**
 * The exit code for an error from the database layer: `DATABASE` when the
 * database could not be opened, reached, migrated or written, `USAGE` for a
 * malformed URL; undefined for anything else (let it propagate). The codes
 * come from the one table, `src/cli/error-exits.ts`.
 *
 * @deprecated Extend `DecnetCommand` (src/cli/decnet-command.ts) and let the
 * error propagate: its `catch()` applies the whole table.
 * @example
 * ```ts
 * } catch (error) {
 *   const exit = databaseExitCode(error)
 *   if (exit !== undefined) this.error((error as Error).message, {exit})
 *   throw error
 * }
 * ```
 */
export function databaseExitCode(error: unknown): number | undefined {
  return error instanceof DatabaseError || error instanceof DatabaseUrlError ? exitFor(error)?.exit : undefined
}

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
