import {statSync} from 'node:fs'

import createDebug from 'debug'
import {CompiledQuery} from 'kysely'
import type {DatabaseConnection, Driver, QueryResult} from 'kysely'
import type BetterSqlite3 from 'better-sqlite3'

import {isPerRowQuery} from './per-row-query.js'

const debug = createDebug('decnet:db')

/**
 * The code of the error thrown when the database file was deleted or
 * replaced while it was open: SQLite keeps writing to the open (unlinked)
 * file, so everything written would vanish when the process exits.
 */
export const DATABASE_FILE_REPLACED = 'DECNET_DATABASE_FILE_REPLACED'

/** Prepared statements kept per connection (SQL text -> statement). */
const STATEMENT_CACHE_SIZE = 100

/**
 * A kysely driver for better-sqlite3, like kysely's own but (1) transactions
 * start with `begin immediate`, so a read-then-write transaction waits for
 * the write lock up front (busy timeout) instead of failing with
 * SQLITE_BUSY_SNAPSHOT when another process wrote in between, and (2)
 * prepared statements are cached by SQL text, so a statement run once per
 * batch (the ingest insert, a worker's tick queries) is compiled once, and
 * (3) a `PerRowQuery` runs once per row of its rows (see per-row-query.ts),
 * (4) a rollback after SQLite already rolled the transaction back (it does on
 * SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, ...) is skipped, so the error
 * that caused it is the one reported, not `cannot rollback - no transaction
 * is active`, and (5) every commit first checks that the file at the
 * database's path is still the one opened (device and inode), and fails
 * with {@link DATABASE_FILE_REPLACED} when it was deleted or replaced (an
 * empty transaction is thus a check that what was committed is still there).
 */
export class CachingSqliteDriver implements Driver {
  readonly #open: () => Promise<BetterSqlite3.Database>
  readonly #mutex = new ConnectionMutex()
  #database: BetterSqlite3.Database | undefined
  #connection: CachingSqliteConnection | undefined
  #identity: {dev: number; ino: number} | undefined

  constructor(open: () => Promise<BetterSqlite3.Database>) {
    this.#open = open
  }

  async init(): Promise<void> {
    this.#database = await this.#open()
    this.#connection = new CachingSqliteConnection(this.#database)
    // better-sqlite3 gives no descriptor to fstat: the path, just after opening it, is the best
    // proxy (a file replaced in between fails the first commit: loudly, never silently)
    const {name, memory} = this.#database
    if (!memory && name !== '') {
      const {dev, ino} = statSync(name)
      this.#identity = {dev, ino}
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // better-sqlite3 is synchronous: without a real turn of the event loop here, a loop of
    // queries (a worker draining a backlog) would starve the process's timers (heartbeats to
    // the fleet master, lease renewals) until it ends, and the watchdog would kill it
    await new Promise<void>((resolve) => setImmediate(resolve))
    // one connection: queries of one process take turns on it
    await this.#mutex.lock()
    return this.#connection!
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.#checkIdentity()
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#database?.inTransaction === false) {
      debug('rollback skipped: sqlite already rolled the transaction back after the error being reported')
      return
    }

    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteName(name)}`))
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteName(name)}`))
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteName(name)}`))
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock()
  }

  async destroy(): Promise<void> {
    this.#connection = undefined
    this.#database?.close()
    this.#database = undefined
  }

  #checkIdentity(): void {
    const database = this.#database
    if (this.#identity === undefined || database === undefined) return
    let now: {dev: number; ino: number} | undefined
    try {
      now = statSync(database.name)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }

    if (now?.dev === this.#identity.dev && now.ino === this.#identity.ino) return
    const what = now === undefined ? 'was deleted' : 'was replaced by another file'
    throw Object.assign(new Error(`the database file ${what} while decnet had it open: what was written since is not in it`), {code: DATABASE_FILE_REPLACED})
  }
}

class CachingSqliteConnection implements DatabaseConnection {
  readonly #database: BetterSqlite3.Database
  readonly #statements = new Map<string, BetterSqlite3.Statement>()

  constructor(database: BetterSqlite3.Database) {
    this.#database = database
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.#prepare(compiledQuery.sql)
    if (isPerRowQuery(compiledQuery)) {
      const source = compiledQuery.perRow
      const values: unknown[] = new Array(source.width)
      let changes = 0
      for (let index = 0; index < source.count; index++) {
        source.fill(index, values)
        changes += statement.run(values).changes
      }

      return {numAffectedRows: BigInt(changes), rows: []}
    }

    const parameters = compiledQuery.parameters as unknown[]
    if (statement.reader) return {rows: statement.all(parameters) as R[]}
    const {changes, lastInsertRowid} = statement.run(parameters)
    return {numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: []}
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // not cached: a statement being iterated cannot run anything else meanwhile
    const statement = this.#database.prepare(compiledQuery.sql)
    if (!statement.reader) throw new Error('sqlite can only stream queries that return rows')
    for (const row of statement.iterate(compiledQuery.parameters)) yield {rows: [row as R]}
  }

  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      statement = this.#database.prepare(sql)
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value!)
      this.#statements.set(sql, statement)
    }

    return statement
  }
}

/** Hands the single connection to one caller at a time. */
class ConnectionMutex {
  #held: Promise<void> | undefined
  #release: (() => void) | undefined

  async lock(): Promise<void> {
    while (this.#held) await this.#held
    this.#held = new Promise((resolve) => {
      this.#release = resolve
    })
  }

  unlock(): void {
    const release = this.#release
    this.#held = undefined
    this.#release = undefined
    release?.()
  }
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
