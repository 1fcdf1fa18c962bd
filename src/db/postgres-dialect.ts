import createDebug from 'debug'
import {PostgresDialect} from 'kysely'
import type {Driver, PostgresDialectConfig} from 'kysely'
import pg from 'pg'

import {CopyingClient} from './copying-client.js'
import {ErrorMappingDriver} from './error-mapping-driver.js'
import {redactUrl} from './redact-url.js'

const debug = createDebug('decnet:db')

/** Connections per process: workers run one query at a time. */
export const DEFAULT_POOL_SIZE = 4

const INT8_OID = 20

/**
 * A session left idle inside a transaction this long is ended by the server,
 * so a holder that stalls or is cut off mid-transaction cannot keep its row
 * locks (a worker's cursor row) for ever. Workers never idle in a transaction.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000

/**
 * Server-side TCP keepalives (seconds): the server notices a client host that
 * vanished (power loss, partition) within about a minute and a half and ends
 * its session, releasing its locks, instead of after the kernel's two hours.
 * Sent as startup options; `options` in the URL replaces them.
 */
const SERVER_KEEPALIVES = '-c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3'

/**
 * kysely's PostgreSQL dialect over a small `pg` pool: `bigint` (int8)
 * columns come back as numbers (ids and counts stay far below 2^53), errors
 * come out as `DatabaseError`s naming the host, and a `copyQuery` streams
 * its rows through COPY (see `CopyingClient`).
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
    Client: CopyingClient,
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    // client-side keepalives: a connection to a server that vanished fails instead of hanging
    keepAlive: true,
    keepAliveInitialDelayMillis: 30_000,
    options: SERVER_KEEPALIVES,
    application_name: 'decnet',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as typeof pg.types.getTypeParser,
    },
  })
  // an idle client losing its server emits 'error' on the pool; unhandled, that kills the process.
  // The next query on the pool fails with a real error, so recording it is enough.
  pool.on('error', (error) => debug('idle postgresql client failed (%s): %s', redactUrl(url), error.message))
  // A client in use is not covered by that: pg-pool removes its listener while a client is checked
  // out, and the client emits 'error' when its server goes away (shutdown, restart, a terminated
  // session) on top of failing the query under way. Unhandled, that error would kill the process;
  // the failed query already reports it, and the pool drops the broken client when it comes back.
  pool.on('connect', (client) => {
    client.on('error', (error) => debug('postgresql connection lost (%s): %s', redactUrl(url), error.message))
  })
  return pool
}

function parseInt8(value: string | null): number | null {
  return value === null ? null : Number(value)
}
