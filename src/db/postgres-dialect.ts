import createDebug from 'debug'
import {PostgresDialect} from 'kysely'
import type {Driver, PostgresDialectConfig} from 'kysely'
import pg from 'pg'

import {ErrorMappingDriver} from './error-mapping-driver.js'
import {redactUrl} from './errors.js'

const debug = createDebug('decnet:db')

/** Connections per process: workers run one query at a time. */
export const DEFAULT_POOL_SIZE = 4

const INT8_OID = 20

/**
 * kysely's PostgreSQL dialect over a small `pg` pool: `bigint` (int8)
 * columns come back as numbers (ids and counts stay far below 2^53), errors
 * come out as `DatabaseError`s naming the host.
 */
export class DecnetPostgresDialect extends PostgresDialect {
  readonly #url: string

  constructor(url: string, options: {poolSize?: number; connectTimeoutMs?: number} = {}) {
    const config: PostgresDialectConfig = {pool: async () => createPool(url, options)}
    super(config)
    this.#url = url
  }

  override createDriver(): Driver {
    return new ErrorMappingDriver(super.createDriver(), {kind: 'postgres', url: this.#url})
  }
}

function createPool(url: string, options: {poolSize?: number; connectTimeoutMs?: number}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // eslint-disable-next-line camelcase
    application_name: 'decnet',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // an idle client losing its server emits 'error' on the pool; unhandled, that kills the process.
  // The next query on the pool fails with a real error, so recording it is enough.
  pool.on('error', (error) => debug('idle postgresql client failed (%s): %s', redactUrl(url), error.message))
  return pool
}

function parseInt8(value: string | null): number | null {
  return value === null ? null : Number(value)
}
