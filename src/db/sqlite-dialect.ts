import {closeSync, constants, existsSync, fchmodSync, lstatSync, openSync, readlinkSync, statSync} from 'node:fs'
import {dirname} from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import {SqliteAdapter, SqliteDialect} from 'kysely'
import type {DialectAdapter, Driver} from 'kysely'

import {ErrorMappingDriver} from './error-mapping-driver.js'
import {CachingSqliteDriver} from './sqlite-driver.js'
import {makeDatabaseDirectory} from './database-directory.js'
import {DatabaseError} from './errors.js'

/** How long a SQLite statement waits for another process's write lock before failing. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 10_000

/**
 * What opening a SQLite database may create:
 * - `file` (default): the database file, if missing, in a directory that must exist;
 * - `directory`: also its missing directory (mode 0700) and those above (0755): only for decnet's default place;
 * - `nothing`: the file must exist (read-only commands: a typo in `--db` must not make an empty database).
 */
export type SqliteCreate = 'directory' | 'file' | 'nothing'

/** The database file's mode: owner only, whatever the umask. */
export const SQLITE_FILE_MODE = 0o600

/** The mode when the file's directory is setgid (a directory shared with a group): the group may read it. */
export const SQLITE_GROUP_FILE_MODE = 0o640

/** The setgid bit of a directory's mode (not in node's fs.constants). */
const SET_GROUP_ID = 0o2000

/** Per-connection SQLite tuning. */
export interface SqliteOptions {
  /** What opening may create; default `file`. */
  create?: SqliteCreate
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
  const create = options.create ?? 'file'
  if (path !== ':memory:') prepareSqliteFile(path, create)
  const database = new BetterSqlite3(path, {fileMustExist: create === 'nothing'})
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

/**
 * Creates the directory (when allowed) and the database file, private and
 * umask-proof: SQLite would create it 0644 (world-readable attacker
 * intelligence), and it gives its -wal and -shm files the main file's mode,
 * so setting the main file's mode here covers all three.
 */
function prepareSqliteFile(path: string, create: SqliteCreate): void {
  const dir = dirname(path)
  if (create === 'directory') {
    try {
      makeDatabaseDirectory(dir)
    } catch (error) {
      throw fileError(`cannot create the directory for sqlite database ${path}`, path, error)
    }
  }

  let dirMode: number
  try {
    const stats = statSync(dir)
    if (!stats.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), {code: 'ENOTDIR'})
    dirMode = stats.mode
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw fileError(`no sqlite database at ${path}: directory ${dir} does not exist (decnet creates only its default database's directory)`, path, error)
    }

    throw fileError(`cannot use directory ${dir} for sqlite database ${path}`, path, error)
  }

  if (create === 'nothing') {
    if (!existsSync(path)) throw new DatabaseError(`no sqlite database at ${path} (nothing has been stored there yet)`, {code: 'ENOENT', target: path})
    return
  }

  const mode = (dirMode & SET_GROUP_ID) === 0 ? SQLITE_FILE_MODE : SQLITE_GROUP_FILE_MODE
  let fd: number
  try {
    // O_EXCL: only a file this call creates gets the mode (an existing database keeps the one its operator gave it);
    // O_NOFOLLOW: a symlink planted at the path is not followed to create a file elsewhere.
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(`cannot create sqlite database ${path}`, path, error)
    // A symlink to a missing file would make SQLite create its target, wherever it points: refuse it.
    if (lstatSync(path).isSymbolicLink() && !existsSync(path)) {
      throw new DatabaseError(`refusing sqlite database ${path}: it is a symlink to a missing file (${readlinkSync(path)}); remove it or point --db at the real file`, {code: 'ELOOP', target: path})
    }

    return
  }

  try {
    fchmodSync(fd, mode) // the umask took bits away from (or, at 0, left) the mode given to open: set it exactly
  } finally {
    closeSync(fd)
  }
}

function fileError(what: string, path: string, error: unknown): DatabaseError {
  const code = (error as NodeJS.ErrnoException).code
  return new DatabaseError(`${what}: ${(error as Error).message}`, {cause: error, code, target: path})
}

function integer(value: number): number {
  return Math.max(0, Math.trunc(value))
}
