import {mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import {CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver} from 'kysely'
import type {DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig} from 'kysely'

import {ErrorMappingDriver} from './error-mapping-driver.js'
import {DatabaseError} from './errors.js'

/** How long a SQLite statement waits for another process's write lock before failing. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 10_000

/**
 * kysely's SQLite dialect, set up for several processes sharing one file:
 * the file (and its directory) is created on first use, WAL journal, a busy
 * timeout, `synchronous=NORMAL`; transactions start with `begin immediate`
 * (so a read-then-write transaction waits for the write lock up front
 * instead of failing with SQLITE_BUSY_SNAPSHOT), and migrations run inside
 * one such transaction (SQLite has transactional DDL), which is what makes
 * concurrent `migrateToLatest` calls from several processes safe.
 */
export class DecnetSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  readonly #path: string

  constructor(path: string, options: {busyTimeoutMs?: number} = {}) {
    const config: SqliteDialectConfig = {database: async () => openSqliteFile(path, options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS)}
    super(config)
    this.#config = config
    this.#path = path
  }

  override createDriver(): Driver {
    return new ErrorMappingDriver(new ImmediateSqliteDriver(this.#config), {kind: 'sqlite', path: this.#path})
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  // the migrator then wraps the whole run in one `begin immediate` transaction:
  // a cross-process lock, and an all-or-nothing schema change
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

function openSqliteFile(path: string, busyTimeoutMs: number): BetterSqlite3.Database {
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), {recursive: true})
    } catch (error) {
      throw new DatabaseError(`cannot create the directory for sqlite database ${path}: ${(error as Error).message}`, {
        target: path,
        code: (error as NodeJS.ErrnoException).code,
        cause: error,
      })
    }
  }

  const database = new BetterSqlite3(path)
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold
    database.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`)
    database.pragma('journal_mode = WAL')
    database.pragma('synchronous = NORMAL')
  } catch (error) {
    database.close()
    throw error
  }

  return database
}
