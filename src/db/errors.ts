import {accessSync, constants} from 'node:fs'
import {dirname} from 'node:path'

import type {DatabaseTarget} from './url.js'

import {redactUrl} from './redact-url.js'

/**
 * A database could not be opened, reached, migrated or written. Every error
 * that comes out of a database opened with `openDatabase` is one of these,
 * so a command can map it to `ExitCode.DATABASE` with one `instanceof`.
 *
 * @example
 * ```ts
 * try { await ingest(...) } catch (error) {
 *   if (error instanceof DatabaseError) this.error(error.message, {exit: ExitCode.DATABASE})
 *   throw error
 * }
 * ```
 */
export class DatabaseError extends Error {
  /** The driver's code when there is one (`ECONNREFUSED`, `SQLITE_BUSY`, `28P01`, ...). */
  readonly code: string | undefined
  /** Where the database is: a file path, or the PostgreSQL URL without its password. */
  readonly target: string

  constructor(message: string, options: {target: string; code?: string; cause?: unknown}) {
    super(message, {cause: options.cause})
    this.name = 'DatabaseError'
    this.code = options.code
    this.target = options.target
  }
}

/** A short description of the target, for messages. */
export function describeTarget(target: DatabaseTarget): string {
  return target.kind === 'sqlite' ? target.path : redactUrl(target.url)
}

/**
 * Turns whatever a driver threw into a {@link DatabaseError} whose message
 * says what went wrong in operator terms (which host refused, which file
 * could not be opened). A `DatabaseError` passes through unchanged.
 */
export function toDatabaseError(error: unknown, target: DatabaseTarget): DatabaseError {
  if (error instanceof DatabaseError) return error
  const where = describeTarget(target)
  const code = errorCode(error)
  const detail = error instanceof Error ? error.message : String(error)
  const message = target.kind === 'sqlite' ? sqliteMessage(code, detail, where) : postgresMessage(code, detail, target.url, error)
  return new DatabaseError(message, {target: where, code, cause: error})
}

function errorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const {code, errors} = error as {code?: unknown; errors?: unknown}
  if (typeof code === 'string') return code
  // node's happy-eyeballs connect throws an AggregateError of per-address failures
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0])
  return undefined
}

function sqliteMessage(code: string | undefined, detail: string, path: string): string {
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_BUSY_SNAPSHOT':
    case 'SQLITE_LOCKED': {
      return `sqlite database ${path} is locked by another process (waited for the busy timeout): ${detail}`
    }

    case 'SQLITE_CANTOPEN': {
      return `cannot open sqlite database ${path}: ${detail}${whyNotWritable(path)}`
    }

    case 'SQLITE_NOTADB': {
      return `${path} is not a sqlite database`
    }

    case 'SQLITE_FULL': {
      return `sqlite database ${path}: disk full (or the database reached its size limit); the transaction was rolled back: ${detail}`
    }

    case 'SQLITE_CORRUPT':
    case 'SQLITE_CORRUPT_INDEX':
    case 'SQLITE_CORRUPT_SEQUENCE':
    case 'SQLITE_CORRUPT_VTAB': {
      return `sqlite database ${path} is corrupt: ${detail}`
    }

    case 'DECNET_DATABASE_FILE_REPLACED': {
      return `sqlite database ${path}: ${detail}`
    }

    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DBMOVED':
    case 'SQLITE_READONLY_RECOVERY':
    case 'SQLITE_READONLY_CANTLOCK':
    case 'SQLITE_READONLY_ROLLBACK':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'EACCES':
    case 'EPERM': {
      return `sqlite database ${path} is not writable: ${detail}${whyNotWritable(path)}`
    }

    default: {
      if (code?.startsWith('SQLITE_IOERR')) return `sqlite database ${path}: i/o error (${code}): ${detail}`
      return `sqlite database ${path}: ${detail}`
    }
  }
}

/**
 * SQLite says "unable to open database file" or "attempt to write a readonly
 * database" whatever the cause; the file system knows which: ` (read-only
 * file system)`, ` (permission denied)` or nothing.
 */
function whyNotWritable(path: string): string {
  for (const candidate of [path, dirname(path)]) {
    try {
      accessSync(candidate, constants.W_OK)
      return ''
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EROFS') return ' (read-only file system)'
      if (code === 'EACCES' || code === 'EPERM') return ` (permission denied on ${candidate})`
      // ENOENT: the file may not exist yet; look at its directory
    }
  }

  return ''
}

function postgresMessage(code: string | undefined, detail: string, url: string, error: unknown): string {
  const {host, port, user, database} = postgresParts(url)
  const at = `${host}:${port}`
  switch (code) {
    case 'ECONNREFUSED': {
      return `cannot connect to postgresql at ${at}: connection refused`
    }

    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      return `cannot connect to postgresql: host "${host}" not found`
    }

    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': {
      return `cannot connect to postgresql at ${at}: ${code}`
    }

    case '28P01':
    case '28000': {
      return `postgresql at ${at} refused user "${user}": ${detail}`
    }

    case '3D000': {
      return `postgresql database "${database}" does not exist at ${at}`
    }

    default: {
      if (/timeout/i.test(detail) && !isServerError(error)) return `cannot connect to postgresql at ${at}: ${detail}`
      return `postgresql at ${at}: ${detail}${code ? ` (${code})` : ''}`
    }
  }
}

function isServerError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'severity' in error
}

function postgresParts(url: string): {host: string; port: string; user: string; database: string} {
  try {
    const parsed = new URL(url)
    const socketHost = parsed.searchParams.get('host')
    return {
      host: parsed.hostname || socketHost || 'localhost',
      port: parsed.port || '5432',
      user: decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres',
      database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres',
    }
  } catch {
    // parseDatabaseUrl already validated it; fall back to something printable
    return {host: 'localhost', port: '5432', user: 'postgres', database: 'postgres'}
  }
}
