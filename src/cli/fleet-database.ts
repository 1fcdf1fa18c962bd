import {chownSync, existsSync} from 'node:fs'
import {dirname} from 'node:path'

import {makeDebug} from '../util/lazy-debug.js'

import type {DatabaseChoice} from '../db/database-choice.js'
import type {DatabaseAccount} from '../db/sqlite-access.js'
import type {ResolvedFleet} from '../fleets/types.js'

import {makeDatabaseDirectory} from '../db/database-directory.js'
import {sqliteAccessFix, sqliteAccessProblem} from '../db/sqlite-access.js'

const debug = makeDebug('decnet:privilege')

/**
 * Gets the database ready for a fleet's workers, before any is spawned, and
 * says why they could not use it:
 *
 * - the default database's directory (`<data dir>/db`) is created when
 *   missing, mode 0700, owned by the workers' account (so `--user NAME` on a
 *   fresh machine needs no `chown`, and NAME gets that directory only);
 * - the SQLite file is checked only for workers that declare `usesDatabase`:
 *   a fleet whose workers never open the database is not held back by one
 *   they cannot reach;
 * - a `--db` file whose directory does not exist is refused (decnet creates
 *   only its default database's directory: a typo must not make a database).
 *
 * The master never opens the database: this only creates a directory and reads modes.
 *
 * @returns undefined when the workers can go, else the message (problem and fix).
 * @example
 * ```ts
 * const problem = prepareFleetDatabase(fleet, choice, plan.user ?? currentAccount())
 * if (problem) this.error(problem, {exit: ExitCode.DATABASE})
 * ```
 */
export function prepareFleetDatabase(fleet: ResolvedFleet, choice: DatabaseChoice, account: DatabaseAccount): string | undefined {
  const {target} = choice
  if (target.kind !== 'sqlite' || target.path === ':memory:') return undefined
  const dir = dirname(target.path)
  if (choice.origin === 'default') createDatabaseDirectory(dir, account)
  const users = fleet.workers.filter((worker) => worker.usesDatabase).map((worker) => worker.name)
  if (users.length === 0) {
    debug('fleet %s: no worker declares usesDatabase; not checking %s', fleet.name, target.path)
    return undefined
  }

  const who = `worker${users.length > 1 ? 's' : ''} ${users.join(', ')}`
  if (!existsSync(dir)) {
    return `no directory ${dir} for sqlite database ${target.path}, which ${who} open: decnet creates only its default database's directory. ${sqliteAccessFix(target.path, account)}`
  }

  // Only a root fleet's workers keep the capability to ignore permission bits (see worker-hardening.ts).
  const unusable = sqliteAccessProblem(target.path, {...account, overridesPermissions: fleet.profile === 'root' && account.uid === 0})
  if (unusable === null) return undefined
  return `${unusable}: ${who} could not open it. ${sqliteAccessFix(target.path, account)}`
}

function createDatabaseDirectory(dir: string, account: DatabaseAccount): void {
  if (existsSync(dir)) return
  try {
    makeDatabaseDirectory(dir)
    if ((process.geteuid?.() ?? -1) === 0 && account.uid !== 0) chownSync(dir, account.uid, account.gid)
    debug('created %s for uid %d', dir, account.uid)
  } catch (error) {
    // The access check that follows names what is wrong, for the workers that need the database.
    debug('cannot create %s: %s', dir, (error as Error).message)
  }
}
