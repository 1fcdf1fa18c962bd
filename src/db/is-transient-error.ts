import {DatabaseError} from './errors.js'

/** Socket-level failures: the server is down, restarting, or out of reach. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'EAI_AGAIN',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
])

/**
 * PostgreSQL SQLSTATEs that say "not now" rather than "never": the session
 * was ended (shutdown, crash, idle timeout), the server is starting or out
 * of connections, or a transaction lost a race (serialization, deadlock).
 * Class 08 (connection exception) and 53 (insufficient resources) are
 * matched as classes.
 */
const POSTGRES_CODES: ReadonlySet<string> = new Set(['25P03', '40001', '40P01', '57P01', '57P02', '57P03', '57P05'])
const POSTGRES_CLASSES = ['08', '53']

/** SQLite: another process holds the lock past the busy timeout. */
const SQLITE_CODES: ReadonlySet<string> = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED'])

/** What `pg` says, without a code, when a connection dies or cannot be had in time. */
const CONNECTION_LOST = /connection terminated|timeout exceeded when trying to connect|not queryable|connection timeout/i

/**
 * True when a database error is an outage that retrying will get past (the
 * server is down or unreachable, restarting, out of connections; a lock
 * held too long; a transaction that lost a race), false when retrying the
 * same thing would fail the same way (bad SQL, a missing table, a refused
 * password, a database that does not exist, any error that is not a
 * `DatabaseError`).
 *
 * @example
 * ```ts
 * try { await tick() } catch (error) {
 *   if (!isTransientDatabaseError(error)) throw error // a bug or a broken schema: let the supervisor restart us
 *   await sleep(backoff.next(0))                       // the database is away: wait for it
 * }
 * ```
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (!(error instanceof DatabaseError)) return false
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    const code = codeOf(cause)
    if (code !== undefined) {
      if (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code) || SQLITE_CODES.has(code)) return true
      if (/^[0-9A-Z]{5}$/.test(code) && POSTGRES_CLASSES.includes(code.slice(0, 2))) return true
    }

    if (cause instanceof Error && CONNECTION_LOST.test(cause.message)) return true
    cause = cause instanceof Error ? cause.cause : undefined
  }

  return false
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const {code, errors} = error as {code?: unknown; errors?: unknown}
  if (typeof code === 'string') return code
  if (Array.isArray(errors) && errors.length > 0) return codeOf(errors[0])
  return undefined
}
