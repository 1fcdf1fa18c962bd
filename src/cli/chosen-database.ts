import type {Kysely} from 'kysely'

import type {DatabaseChoice} from '../db/database-choice.js'
import type {OpenDatabaseOptions} from '../db/open.js'
import type {Database} from '../db/schema.js'

import {sqliteCreate} from './database-command.js'
import {chooseDatabase} from '../db/database-choice.js'
import {migrateToLatest} from '../db/migrate.js'
import {withDatabase} from '../db/open.js'

/** What a data command needs of itself: where the data directory is, and how to warn. */
export interface DatabaseCommandHost {
  readonly config: {readonly dataDir: string}
  warn(message: string): unknown
}

/** What {@link withChosenDatabase} opened: the choice, and the migrations this run applied. */
export interface ChosenDatabase {
  readonly choice: DatabaseChoice
  readonly applied: readonly string[]
}

/**
 * Opens the database a command's `--db` flag chooses (`chooseDatabase`: the
 * flag, `DECNET_DB_URL` or the default file), printing its warnings,
 * applies the migrations it lacks and runs `use`, closing it afterwards. A
 * command that only reads creates nothing (see `sqliteCreate`). Errors
 * propagate: `DatabaseError` and `DatabaseUrlError` are in the one error
 * table (error-exits.ts), which `DecnetCommand` applies.
 *
 * @example
 * ```ts
 * const profiles = await withChosenDatabase(this, {access: 'read', flag: flags.db}, (db) => listAttackers(db, {limit: 50}))
 * ```
 */
export async function withChosenDatabase<T>(
  command: DatabaseCommandHost,
  options: {access: 'read' | 'write'; flag: string | undefined; open?: Omit<OpenDatabaseOptions, 'create'>},
  use: (db: Kysely<Database>, opened: ChosenDatabase) => Promise<T>,
): Promise<T> {
  const choice = chooseDatabase({dataDir: command.config.dataDir, flag: options.flag})
  for (const warning of choice.warnings) command.warn(warning)
  return withDatabase(
    choice.url,
    async (db) => {
      const applied = await migrateToLatest(db)
      return use(db, {applied, choice})
    },
    {...options.open, create: sqliteCreate(choice, options.access)},
  )
}
