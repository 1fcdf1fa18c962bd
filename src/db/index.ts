/**
 * The database layer: URL selection, opening (SQLite or PostgreSQL through
 * kysely), migrations and the schema types.
 */
export {dialectOf} from './dialect-of.js'
export type {DialectName} from './dialect-of.js'
export {DatabaseError, toDatabaseError} from './errors.js'
export {redactUrl} from './redact-url.js'
export {isTransientDatabaseError} from './is-transient-error.js'
export {migrateToLatest, migrationStates} from './migrate.js'
export type {MigrationState} from './migrate.js'
export {openDatabase, withDatabase} from './open.js'
export type {OpenDatabaseOptions} from './open.js'
export type * from './schema.js'
export {chooseDatabase} from './database-choice.js'
export type {DatabaseChoice, DatabaseOrigin} from './database-choice.js'
export {
  DATABASE_URL_ENV,
  DatabaseUrlError,
  defaultDatabaseDirectory,
  defaultDatabasePath,
  defaultDatabaseUrl,
  legacyDatabasePath,
  parseDatabaseUrl,
} from './url.js'
export type {DatabaseTarget} from './url.js'
