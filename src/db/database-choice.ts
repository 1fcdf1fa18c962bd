import {existsSync, statSync} from 'node:fs'
import {dirname} from 'node:path'

import type {DatabaseTarget} from './url.js'

import {DATABASE_URL_ENV, defaultDatabasePath, defaultDatabaseUrl, legacyDatabasePath, parseDatabaseUrl} from './url.js'

/**
 * Where the database a command uses comes from:
 * - `default`: decnet's own place, `<data dir>/db/decnet.sqlite` (decnet may create its directory);
 * - `legacy`: the default of decnet 0.1, `<data dir>/decnet.sqlite`, still used while it is there;
 * - `given`: `--db` or `DECNET_DB_URL` (decnet creates no directory for it).
 */
export type DatabaseOrigin = 'default' | 'given' | 'legacy'

/** The database a command uses, parsed once. */
export interface DatabaseChoice {
  /** The URL handed to workers as DECNET_DB_URL. */
  readonly url: string
  readonly target: DatabaseTarget
  readonly origin: DatabaseOrigin
  /**
   * For the operator: the database is at the legacy place, and how to move
   * it; its files can be read by every local user (made by decnet before 0.2,
   * which left them 0644), and how to close them.
   */
  readonly warnings: readonly string[]
}

/**
 * The one rule for choosing the database: `--db`, else `DECNET_DB_URL`, else
 * the SQLite file `<data dir>/db/decnet.sqlite`. A database left at the old
 * default place (`<data dir>/decnet.sqlite`, beside the plugin list) is
 * still used while the new place holds none, with a warning saying how to
 * move it: nothing is moved behind the operator's back (a fleet may have it
 * open).
 *
 * @throws DatabaseUrlError for a malformed `--db` or `DECNET_DB_URL`.
 * @example
 * ```ts
 * const choice = chooseDatabase({flag: flags.db, dataDir: this.config.dataDir})
 * for (const warning of choice.warnings) this.warn(warning)
 * ```
 */
export function chooseDatabase(options: {flag?: string; env?: NodeJS.ProcessEnv; dataDir: string}): DatabaseChoice {
  const given = options.flag?.trim() || (options.env ?? process.env)[DATABASE_URL_ENV]?.trim()
  if (given) {
    const target = parseDatabaseUrl(given)
    return Object.freeze({origin: 'given', target, url: given, warnings: target.kind === 'sqlite' ? openToOthers(target.path) : []})
  }

  const path = defaultDatabasePath(options.dataDir)
  const legacy = legacyDatabasePath(options.dataDir)
  if (!existsSync(path) && existsSync(legacy)) {
    const warning =
      `using the database at its old place ${legacy}, beside decnet's plugin list; with no fleet running, move it ` +
      `into a directory of its own: mkdir -p -m 0700 ${dirname(path)} && mv ${legacy}* ${dirname(path)}/ ` +
      '(the * takes its -wal and -shm files along)'
    return Object.freeze({origin: 'legacy', target: {kind: 'sqlite' as const, path: legacy}, url: `sqlite:${legacy}`, warnings: [warning, ...openToOthers(legacy)]})
  }

  return Object.freeze({origin: 'default', target: {kind: 'sqlite' as const, path}, url: defaultDatabaseUrl(options.dataDir), warnings: openToOthers(path)})
}

/**
 * A warning when the database's files grant anything to every user: decnet
 * now creates them 0600, but leaves an existing file's mode to its operator
 * (changing it behind their back could lock out a reader they set up).
 */
function openToOthers(path: string): string[] {
  const open = [path, `${path}-wal`, `${path}-shm`].filter((file) => {
    try {
      return (statSync(file).mode & 0o007) !== 0
    } catch {
      // Missing (no -wal yet, or no database yet): nothing to expose.
      return false
    }
  })
  if (open.length === 0) return []
  return [`${open.join(', ')} can be read by every local user (attacker intelligence); close ${open.length > 1 ? 'them' : 'it'}: chmod o-rwx ${open.join(' ')}`]
}
