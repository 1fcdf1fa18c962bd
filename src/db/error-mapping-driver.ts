import type {CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, TransactionSettings} from 'kysely'

import {toDatabaseError} from './errors.js'
import type {DatabaseTarget} from './url.js'

/**
 * Wraps a kysely driver so that everything it throws is a `DatabaseError`
 * naming the database. The wrapped driver always gets back its own
 * connection objects (drivers keep private state on them).
 */
export class ErrorMappingDriver implements Driver {
  readonly #inner: Driver
  readonly #target: DatabaseTarget
  readonly #innerOf = new WeakMap<DatabaseConnection, DatabaseConnection>()

  constructor(inner: Driver, target: DatabaseTarget) {
    this.#inner = inner
    this.#target = target
  }

  async init(): Promise<void> {
    await this.#guard(() => this.#inner.init())
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#guard(() => this.#inner.acquireConnection())
    const wrapped = new ErrorMappingConnection(connection, this.#target)
    this.#innerOf.set(wrapped, connection)
    return wrapped
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.#guard(() => this.#inner.beginTransaction(this.#unwrap(connection), settings))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#guard(() => this.#inner.commitTransaction(this.#unwrap(connection)))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#guard(() => this.#inner.rollbackTransaction(this.#unwrap(connection)))
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#guard(() => this.#inner.savepoint!(this.#unwrap(connection), name, compile))
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#guard(() => this.#inner.rollbackToSavepoint!(this.#unwrap(connection), name, compile))
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#guard(() => this.#inner.releaseSavepoint!(this.#unwrap(connection), name, compile))
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.#guard(() => this.#inner.releaseConnection(this.#unwrap(connection)))
  }

  async destroy(): Promise<void> {
    await this.#guard(() => this.#inner.destroy())
  }

  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.#innerOf.get(connection) ?? connection
  }

  async #guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw toDatabaseError(error, this.#target)
    }
  }
}

class ErrorMappingConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection
  readonly #target: DatabaseTarget

  constructor(inner: DatabaseConnection, target: DatabaseTarget) {
    this.#inner = inner
    this.#target = target
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.#inner.executeQuery<R>(compiledQuery)
    } catch (error) {
      throw toDatabaseError(error, this.#target)
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.#inner.streamQuery<R>(compiledQuery, chunkSize)
    } catch (error) {
      throw toDatabaseError(error, this.#target)
    }
  }
}
