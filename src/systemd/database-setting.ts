import {readdirSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import type {DatabaseTarget} from '../db/url.js'

import {DATABASE_URL_ENV} from '../db/url.js'
import {FleetUnitError} from './fleet-unit-error.js'
import {within} from './sandbox-paths.js'
import {environmentFile, unitBaseName} from './unit-names.js'
import {environmentValue} from './unit-syntax.js'

/** How a unit hands its fleet the database. */
export interface DatabaseSetting {
  /** The `Environment=` value setting DECNET_DB_URL. */
  readonly environment: string
  /** Directories the service must write besides its state directory. */
  readonly write: readonly string[]
  readonly warnings: readonly string[]
}

/** Who the service runs as, as far as the database is concerned. */
export interface DatabaseContext {
  readonly fleet: string
  /** The unit's state directory, `/var/lib/decnet-NAME`. */
  readonly stateDir: string
  /** The service runs as root (profile `root`): it can write anywhere. */
  readonly root: boolean
  /** The service runs as a dynamic user, which can own files only in its state directory. */
  readonly dynamicUser: boolean
}

/**
 * `DECNET_DB_URL` for the unit. Default: a SQLite file in the state
 * directory. A PostgreSQL URL must not carry a password: a unit file and
 * `systemctl show` are readable by every local user, so the password goes
 * in the root-only environment file instead. A SQLite file elsewhere needs
 * its directory writable (and a static user to own it).
 *
 * @throws {@link FleetUnitError} for a password in the URL, or a SQLite file a dynamic user could not own.
 *
 * @example
 * ```ts
 * databaseSetting(undefined, {fleet: 'heavy', stateDir: '/var/lib/decnet-heavy', root: false, dynamicUser: true})
 * // {environment: 'DECNET_DB_URL=sqlite:%S/decnet-heavy/decnet.sqlite', write: [], warnings: []}
 * ```
 */
export function databaseSetting(target: DatabaseTarget | undefined, context: DatabaseContext): DatabaseSetting {
  const {fleet, stateDir} = context
  if (target === undefined) {
    const url = `sqlite:%S/${unitBaseName(fleet)}/decnet.sqlite`
    return {environment: environmentValue(DATABASE_URL_ENV, url, {raw: true}), warnings: [], write: []}
  }

  if (target.kind === 'postgres') {
    if (hasPassword(target.url)) {
      throw new FleetUnitError(
        `--db: the URL holds a password, and a unit file (like \`systemctl show\`) is readable by every local user; ` +
          `leave --db out and put ${DATABASE_URL_ENV}=URL in ${environmentFile(fleet)} (owned by root, mode 0600)`,
      )
    }

    return {environment: environmentValue(DATABASE_URL_ENV, target.url), warnings: [], write: []}
  }

  const environment = environmentValue(DATABASE_URL_ENV, `sqlite:${target.path}`)
  if (target.path === ':memory:') {
    return {environment, warnings: ['--db sqlite::memory: gives every worker its own empty database, lost at each restart'], write: []}
  }

  if (context.root || within(target.path, stateDir)) return {environment, warnings: [], write: []}
  if (context.dynamicUser) {
    throw new FleetUnitError(
      `--db ${target.path} is outside the unit's state directory (${stateDir}), where a dynamic user cannot own ` +
        'files: pass --user NAME (a user that can write that directory), or leave --db out',
    )
  }

  const dir = dirname(target.path)
  const others = otherFiles(target.path)
  if (others.length > 0) {
    // ReadWritePaths= hands the whole directory over: never decnet's data directory (root's plugin list) or any other.
    throw new FleetUnitError(
      `--db ${target.path}: its directory ${dir} holds other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}), ` +
        `and the unit would make all of it writable by the service; move the database into a directory of its own ` +
        `(e.g. ${join(dir, 'db')}) owned by the service's user, and pass that`,
    )
  }

  return {environment, warnings: [], write: [dir]}
}

/** Entries of the database's directory other than the database and SQLite's files beside it (none when it is missing). */
function otherFiles(path: string): string[] {
  const file = basename(path)
  const own = new Set([file, `${file}-wal`, `${file}-shm`, `${file}-journal`])
  try {
    return readdirSync(dirname(path)).filter((name) => !own.has(name)).sort()
  } catch {
    // Missing (created later by the operator) or unreadable: nothing known to be handed over besides the database.
    return []
  }
}

function hasPassword(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.password !== '' || parsed.searchParams.has('password')
  } catch {
    // parseDatabaseUrl accepted it, yet URL() cannot read it: look for user:password@ by hand.
    return /:\/\/[^/@]*:[^/@]*@/.test(url)
  }
}
