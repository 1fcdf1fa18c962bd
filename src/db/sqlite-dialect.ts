import {mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import {SqliteAdapter, SqliteDialect} from 'kysely'
import type {DialectAdapter, Driver} from 'kysely'

import {ErrorMappingDriver} from './error-mapping-driver.js'
import {CachingSqliteDriver} from './sqlite-driver.js'
import {DatabaseError} from './errors.js'

/** How long a SQLite statement waits for another process's write lock before failing. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 10_000

/** Per-connection SQLite tuning. */
export interface SqliteOptions {
  /** How long to wait for another process's lock (default {@link DEFAULT_SQLITE_BUSY_TIMEOUT_MS}). */
  busyTimeoutMs?: number
  /** Page cache size in KiB (default: SQLite's 2 MiB). Bulk writers want more: index pages stay hot. */
  cacheSizeKiB?: number
  /** WAL pages before an automatic checkpoint (default: SQLite's 1000). Bulk writers want more: fewer fsyncs. */
  walAutocheckpointPages?: number
}

/**
 * kysely's SQLite dialect, set up for several processes sharing one file:
 * the file (and its directory) is created on first use, WAL journal, a busy
 * timeout, `synchronous=NORMAL`; transactions start with `begin immediate`
 * and statements are cached (see `CachingSqliteDriver`), and migrations run inside
 * one such transaction (SQLite has transactional DDL), which is what makes
 * concurrent `migrateToLatest` calls from several processes safe.
 */
export class DecnetSqliteDialect extends SqliteDialect {
  readonly #open: () => Promise<BetterSqlite3.Database>
  readonly #path: string

  constructor(path: string, options: SqliteOptions = {}) {
    const open = async (): Promise<BetterSqlite3.Database> => openSqliteFile(path, options)
    super({database: open})
    this.#open = open
    this.#path = path
  }

  override createDriver(): Driver {
    return new ErrorMappingDriver(new CachingSqliteDriver(this.#open), {kind: 'sqlite', path: this.#path})
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  // the migrator then wraps the whole run in one `begin immediate` transaction:
  // a cross-process lock, and an all-or-nothing schema change
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

function openSqliteFile(path: string, options: SqliteOptions): BetterSqlite3.Database {
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
    database.pragma(`busy_timeout = ${integer(options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS)}`)
    database.pragma('journal_mode = WAL')
    database.pragma('synchronous = NORMAL')
    if (options.cacheSizeKiB) database.pragma(`cache_size = -${integer(options.cacheSizeKiB)}`)
    if (options.walAutocheckpointPages) database.pragma(`wal_autocheckpoint = ${integer(options.walAutocheckpointPages)}`)
  } catch (error) {
    database.close()
    throw error
  }

  return database
}

function integer(value: number): number {
  return Math.max(0, Math.trunc(value))
}
