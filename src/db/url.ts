import {join, resolve} from 'node:path'

import {redactUrl} from './redact-url.js'

/** Where a database lives, as {@link parseDatabaseUrl} understood it. */
export type DatabaseTarget = {kind: 'sqlite'; path: string} | {kind: 'postgres'; url: string}

/** The environment variable that selects the database when `--db` is not given. */
export const DATABASE_URL_ENV = 'DECNET_DB_URL'

/** A database URL that cannot be used, with the input it was given. */
export class DatabaseUrlError extends Error {
  /** The rejected input. */
  readonly input: string

  constructor(input: string, why: string) {
    super(`bad database url "${input}": ${why}`)
    this.name = 'DatabaseUrlError'
    this.input = input
  }
}

/**
 * Reads a database URL: `postgres://` or `postgresql://` selects PostgreSQL;
 * `sqlite:PATH`, `sqlite://PATH` or a plain file path selects SQLite (the
 * path is made absolute; `sqlite::memory:` is an in-memory database).
 *
 * @example
 * ```ts
 * parseDatabaseUrl('sqlite:/var/lib/decnet/decnet.sqlite') // {kind: 'sqlite', path: '/var/lib/decnet/decnet.sqlite'}
 * parseDatabaseUrl('postgres://decnet@db/decnet')            // {kind: 'postgres', url: 'postgres://decnet@db/decnet'}
 * ```
 * @throws DatabaseUrlError on an empty input, an unknown scheme or a malformed PostgreSQL URL.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const input = url.trim()
  if (input === '') throw new DatabaseUrlError(url, 'it is empty')
  if (input.includes('\0')) throw new DatabaseUrlError(url, 'it contains a NUL byte')
  if (/^postgres(?:ql)?:\/\//i.test(input)) return {kind: 'postgres', url: checkPostgresUrl(input)}
  if (/^sqlite:/i.test(input)) {
    let path = input.slice('sqlite:'.length)
    if (path.startsWith('//')) path = path.slice(2)
    if (path === '') throw new DatabaseUrlError(url, 'no file path after "sqlite:"')
    return {kind: 'sqlite', path: path === ':memory:' ? path : resolve(path)}
  }

  // Anything that starts like a URL (`word:`) and is not one of the above is a typo, not a file name:
  // `postgres:/db` must not quietly become a SQLite file called "postgres:/db" (write ./x:y for such a file).
  const scheme = /^([a-z][\w+.-]*):/i.exec(input)
  if (scheme) {
    // Half-typed, it may still hold USER:PASSWORD@: hide whatever sits between a colon and an @.
    const shown = redactUrl(input).replace(/([:/]?[^:@/]*):[^@/]*@/, '$1:***@')
    if (/^postgres(?:ql)?$/i.test(scheme[1])) {
      throw new DatabaseUrlError(shown, 'not a valid postgres URL: write postgres://USER@HOST/DATABASE')
    }

    throw new DatabaseUrlError(shown, `unsupported scheme "${scheme[1]}:"; use postgres://..., sqlite:PATH or a file path`)
  }

  return {kind: 'sqlite', path: resolve(input)}
}

function checkPostgresUrl(input: string): string {
  let parsed: URL
  try {
    parsed = new URL(input)
  } catch (error) {
    throw new DatabaseUrlError(redactUrl(input), `not a valid URL (${(error as Error).message})`)
  }

  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new DatabaseUrlError(redactUrl(input), 'no host (write postgres://USER@HOST/DATABASE)')
  }

  return input
}

/**
 * The directory of the default database, inside the data directory. It holds
 * the database and its -wal and -shm files and nothing else, so that handing
 * it to the workers' user (`--user`) hands over nothing root loads (the data
 * directory itself holds root's plugin list).
 */
export function defaultDatabaseDirectory(dataDir: string): string {
  return join(dataDir, 'db')
}

/** The default database's file: `<data dir>/db/decnet.sqlite`. */
export function defaultDatabasePath(dataDir: string): string {
  return join(defaultDatabaseDirectory(dataDir), 'decnet.sqlite')
}

/** Where decnet up to 0.1 kept the default database: `<data dir>/decnet.sqlite`, beside the plugin list. */
export function legacyDatabasePath(dataDir: string): string {
  return join(dataDir, 'decnet.sqlite')
}

/** The default database: a SQLite file in a directory of its own in the data directory (oclif's `config.dataDir`). */
export function defaultDatabaseUrl(dataDir: string): string {
  return `sqlite:${defaultDatabasePath(dataDir)}`
}
