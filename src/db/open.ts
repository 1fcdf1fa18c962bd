import createDebug from 'debug'
import {Kysely, sql} from 'kysely'
import type {Dialect} from 'kysely'

import {toDatabaseError} from './errors.js'
import type {Database} from './schema.js'
import type {SqliteOptions} from './sqlite-dialect.js'
import {parseDatabaseUrl} from './url.js'
import type {DatabaseTarget} from './url.js'

const debug = createDebug('decnet:db')

/** Tuning for {@link openDatabase}; the defaults suit both workers and commands. */
export interface OpenDatabaseOptions extends SqliteOptions {
  /** PostgreSQL: pool size (default 4). */
  poolSize?: number
  /** PostgreSQL: how long to wait for a connection (default 10 s). */
  connectTimeoutMs?: number
}

/**
 * Opens the database a URL names (see `parseDatabaseUrl`), or a target
 * already parsed (a worker's `ctx.database`), and checks that it answers. Only the driver needed is imported, so a SQLite process never
 * loads `pg` and the other way round. Call `db.destroy()` when done (or use
 * {@link withDatabase}).
 *
 * @example
 * ```ts
 * const db = await openDatabase(process.env.DECNET_DB_URL ?? 'sqlite:/tmp/decnet.sqlite')
 * try { await migrateToLatest(db) } finally { await db.destroy() }
 * ```
 * @throws DatabaseUrlError on a malformed URL; DatabaseError when the database cannot be opened or reached.
 */
export async function openDatabase(database: DatabaseTarget | string, options: OpenDatabaseOptions = {}): Promise<Kysely<Database>> {
  const target = typeof database === 'string' ? parseDatabaseUrl(database) : database
  const db = new Kysely<Database>({dialect: await createDialect(target, options)})
  try {
    await sql`select 1`.execute(db)
  } catch (error) {
    // the open failure is the error worth reporting; a failing cleanup is only recorded
    await db.destroy().catch((destroyError: Error) => debug('destroy after a failed open: %s', destroyError.message))
    throw toDatabaseError(error, target)
  }

  return db
}

/** Opens the database, runs `use`, and always destroys the connection (pool) afterwards. */
export async function withDatabase<T>(database: DatabaseTarget | string, use: (db: Kysely<Database>) => Promise<T>, options?: OpenDatabaseOptions): Promise<T> {
  const db = await openDatabase(database, options)
  try {
    return await use(db)
  } finally {
    await db.destroy()
  }
}

async function createDialect(target: DatabaseTarget, options: OpenDatabaseOptions): Promise<Dialect> {
  if (target.kind === 'sqlite') {
    const {DecnetSqliteDialect} = await import('./sqlite-dialect.js')
    return new DecnetSqliteDialect(target.path, options)
  }

  const {DecnetPostgresDialect} = await import('./postgres-dialect.js')
  return new DecnetPostgresDialect(target.url, options)
}
