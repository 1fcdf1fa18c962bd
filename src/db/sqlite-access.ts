import {constants, readdirSync, statSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {makeDebug} from '../util/lazy-debug.js'

const debug = makeDebug('decnet:db')

/** Who will open the database: the uid and the only group a dropped child keeps. */
export interface DatabaseAccount {
  readonly uid: number
  readonly gid: number
  /** For messages (`nobody`); the uid is used when absent. */
  readonly name?: string
  /**
   * The workers keep CAP_DAC_OVERRIDE, so permission bits do not bind them:
   * root running a `root`-profile fleet. Root running any other profile
   * (`--allow-root`) does not: its workers start with an empty bounding set,
   * and uid 0 without that capability is checked like any user.
   */
  readonly overridesPermissions?: boolean
}

const {S_IROTH, S_IRUSR, S_IWOTH, S_IWUSR, S_IXOTH, S_IXUSR} = constants
const GROUP_SHIFT = 3

/**
 * Checks, before any worker is spawned, that the account the workers will
 * run as can open a SQLite database for writing: every directory above it
 * searchable, the file (and any `-wal`/`-shm` file beside it) readable and
 * writable, and its directory writable (SQLite creates the `-wal` and `-shm`
 * files there). When the file does not exist yet, the nearest existing
 * directory must be writable (the worker creates the rest).
 *
 * Only the permission bits are read (no ACLs). Only an account that
 * {@link DatabaseAccount.overridesPermissions} is never refused: a uid-0 worker
 * stripped of its capabilities (`--allow-root`) meets the same bits as anyone.
 *
 * @returns null when the account can use the database, else why not.
 * @example
 * ```ts
 * const why = sqliteAccessProblem('/var/lib/decnet/decnet.sqlite', {uid: 65534, gid: 65534, name: 'nobody'})
 * ```
 */
export function sqliteAccessProblem(path: string, account: DatabaseAccount): null | string {
  if (account.overridesPermissions === true || path === ':memory:') return null
  const who = account.name ?? `uid ${account.uid}`
  const dirs: string[] = []
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    dirs.unshift(dir)
    if (dir === dirname(dir)) break
  }

  let deepest = '/'
  for (const dir of dirs) {
    const stats = statOrUndefined(dir)
    if (stats === undefined) break
    if (!allows(stats, account, S_IXUSR, S_IXOTH)) return `user ${who} cannot enter directory ${dir} (${describe(stats)})`
    deepest = dir
  }

  if (!allows(statSync(deepest), account, S_IWUSR, S_IWOTH)) {
    return `user ${who} cannot write in directory ${deepest} (${describe(statSync(deepest))}), where SQLite keeps the database and its -wal and -shm files`
  }

  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const stats = statOrUndefined(file)
    if (stats !== undefined && !(allows(stats, account, S_IRUSR, S_IROTH) && allows(stats, account, S_IWUSR, S_IWOTH))) {
      return `user ${who} cannot read and write ${file} (${describe(stats)})`
    }
  }

  return null
}

interface Stats {
  readonly uid: number
  readonly gid: number
  readonly mode: number
}

function allows(stats: Stats, account: DatabaseAccount, userBit: number, otherBit: number): boolean {
  if (stats.uid === account.uid) return (stats.mode & userBit) !== 0
  if (stats.gid === account.gid) return (stats.mode & (otherBit << GROUP_SHIFT)) !== 0
  return (stats.mode & otherBit) !== 0
}

function describe(stats: Stats): string {
  return `owner uid ${stats.uid}, group ${stats.gid}, mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')}`
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    // Missing is expected (the database is created on first use). Any other failure to stat is left to
    // the worker's own open, which then says exactly what went wrong.
    return undefined
  }
}

/** The account this process runs as (what children run as when no `--user` is given). */
export function currentAccount(): DatabaseAccount {
  return {gid: process.getegid?.() ?? 0, uid: process.geteuid?.() ?? 0}
}

/**
 * How an operator fixes {@link sqliteAccessProblem} for this account and
 * database file. It never advises handing over a directory that holds
 * anything but the database and its -wal, -shm and -journal files: the old
 * default place, decnet's data directory, also holds root's plugin list, and
 * `chown -R` of it would let the workers' user make root load its code.
 */
export function sqliteAccessFix(path: string, account: DatabaseAccount): string {
  const owner = account.name ?? String(account.uid)
  const dir = dirname(path)
  const elsewhere = 'or point --db / DECNET_DB_URL at a database it can write'
  const others = otherFiles(dir, basename(path))
  if (others === undefined) {
    return `Create the database's directory for ${owner} (install -d -m 0700 -o ${owner} -g ${account.gid} ${dir}, and make the directories above it searchable), ${elsewhere}`
  }

  if (others.length > 0) {
    const own = join(dir, 'db')
    const shown = others.length > 3 ? `${others.slice(0, 3).join(', ')}, ...` : others.join(', ')
    return (
      `Its directory ${dir} holds other files (${shown}), which ${owner} must not be given: move the database into a ` +
      `directory of its own and hand over only that (with no fleet running: mkdir -p -m 0700 ${own} && mv ${path}* ${own}/ ` +
      `&& chown -R ${owner}: ${own}; the * takes its -wal and -shm files along), then use it (it is decnet's default ` +
      `database when ${dir} is the data directory; else --db ${join(own, basename(path))}), ${elsewhere}`
    )
  }

  return `Give ${owner} the database's directory, which holds only the database (chown -R ${owner}: ${dir}, and make the directories above it searchable), ${elsewhere}`
}

/** What `dir` holds besides the database `file` and SQLite's files beside it; undefined when `dir` is missing. */
function otherFiles(dir: string, file: string): string[] | undefined {
  const own = new Set([file, `${file}-wal`, `${file}-shm`, `${file}-journal`])
  try {
    return readdirSync(dir).filter((name) => !own.has(name)).sort()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    // Unreadable: what it holds is unknown, so it must not be handed over whole.
    debug('cannot list %s: %s', dir, (error as Error).message)
    return [`whatever it holds: it cannot be listed (${code ?? 'error'})`]
  }
}
