import {Migrator} from 'kysely'
import type {Kysely, MigrationProvider} from 'kysely'

import {DatabaseError} from './errors.js'
import {allMigrations} from './migrations/index.js'
import type {Database} from './schema.js'

export {dialectOf} from './dialect-of.js'
export type {DialectName} from './dialect-of.js'

/** One known migration and when it was applied (undefined: pending). */
export interface MigrationState {
  name: string
  executedAt: Date | undefined
}

/**
 * Brings the schema up to date and returns the names of the migrations this
 * call applied (empty when there was nothing to do). Safe when several
 * processes call it at once: PostgreSQL serialises them with kysely's
 * advisory lock, SQLite with a `begin immediate` transaction around the run;
 * the losers find nothing left to apply.
 *
 * @example
 * ```ts
 * const applied = await migrateToLatest(db) // ['0001-initial'] the first time, [] afterwards
 * ```
 * @throws DatabaseError naming the migration that failed; nothing of that run is kept.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const {error, results = []} = await migrator(db).migrateToLatest()
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName
    const cause = error instanceof Error ? error.message : String(error)
    throw new DatabaseError(failed ? `migration "${failed}" failed: ${cause}` : `migrations failed: ${cause}`, {
      target: error instanceof DatabaseError ? error.target : '',
      code: error instanceof DatabaseError ? error.code : undefined,
      cause: error,
    })
  }

  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName)
}

/** Every migration decnet knows, in order, with when it was applied to this database. */
export async function migrationStates(db: Kysely<Database>): Promise<MigrationState[]> {
  const migrations = await migrator(db).getMigrations()
  return migrations.map(({name, executedAt}) => ({name, executedAt}))
}

function migrator(db: Kysely<Database>): Migrator {
  const provider: MigrationProvider = {getMigrations: async () => allMigrations()}
  return new Migrator({db, provider})
}
