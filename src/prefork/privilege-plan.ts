import type {PrivilegeProfile} from '../fleets/types.js'
import type {Credentials} from './credentials.js'
import type {UserAccount} from './lookup-user.js'

import {exceedsProfile} from './credentials.js'
import {lookupUser} from './lookup-user.js'

/**
 * Why a fleet may not start with these credentials:
 * - `refused`: the process holds more privilege than the fleet needs (e.g. root for a database fleet);
 * - `insufficient`: the fleet needs root and the process is not root;
 * - `usage`: the flags make no sense (`--user` without root, an unknown user...).
 */
export type PrivilegeErrorKind = 'insufficient' | 'refused' | 'usage'

/** The command refuses to start a fleet; `kind` says which exit code fits. */
export class PrivilegeError extends Error {
  readonly kind: PrivilegeErrorKind

  constructor(kind: PrivilegeErrorKind, message: string) {
    super(message)
    this.name = 'PrivilegeError'
    this.kind = kind
  }
}

/** What the command must do about privilege before it spawns a fleet. */
export interface PrivilegePlan {
  /** Children run as this user (`--user`); absent: as the master's user. */
  readonly user?: UserAccount
  /** The operator accepted root for a fleet that does not need it (`--allow-root`, as root): tell the supervisor. */
  readonly allowRoot: boolean
  /** A loud warning to print before starting (`--allow-root`). */
  readonly warning?: string
}

/** The inputs of {@link planPrivileges}. */
export interface PrivilegeRequest {
  readonly fleet: {readonly name: string; readonly profile: PrivilegeProfile}
  /** The master's own credentials (see `readCredentials`). */
  readonly creds: Credentials
  /** `--user NAME`. */
  readonly user?: string
  /** `--allow-root`. */
  readonly allowRoot?: boolean
  /** How to find a user; default {@link lookupUser}. */
  readonly lookup?: (name: string) => undefined | UserAccount
}

/**
 * Decides, before anything is spawned, whether a fleet may run with these
 * credentials and as whom. A fleet whose profile is not `root` never runs as
 * root unless the operator says so: with `--user NAME` the children drop to
 * that user and its primary group; with `--allow-root` they stay root and
 * the plan carries a warning.
 *
 * @throws {@link PrivilegeError} when the fleet must not start.
 *
 * @example
 * ```ts
 * const plan = planPrivileges({fleet, creds: readCredentials(), user: flags.user})
 * new Supervisor({fleet, uid: plan.user?.uid, gid: plan.user?.gid})
 * ```
 */
export function planPrivileges(request: PrivilegeRequest): PrivilegePlan {
  const {allowRoot = false, creds, fleet, lookup = lookupUser, user} = request
  const isRoot = creds.uid === 0 || creds.euid === 0
  if (user !== undefined && allowRoot) {
    throw new PrivilegeError('usage', '--user and --allow-root contradict each other: pass one of them')
  }

  if (fleet.profile === 'root') {
    if (user !== undefined) throw new PrivilegeError('usage', `fleet '${fleet.name}' needs root: --user would take it away`)
    if (!isRoot) {
      throw new PrivilegeError('insufficient', `fleet '${fleet.name}' needs root, but decnet runs as uid ${creds.euid}`)
    }

    return {allowRoot: false}
  }

  if (user !== undefined) return {allowRoot: false, user: dropTo(user, request, isRoot, lookup)}

  if (isRoot && allowRoot) {
    const warning =
      `running fleet '${fleet.name}' as root because of --allow-root. Its profile is '${fleet.profile}': ` +
      'none of its workers needs root, yet every one of them now runs as uid 0 and can read and write every ' +
      'file root owns (setpriv takes their capabilities away, where it is installed). Prefer --user NAME.'
    return {allowRoot: true, warning}
  }

  if (isRoot) {
    throw new PrivilegeError(
      'refused',
      `refusing to run fleet '${fleet.name}' as root: its profile is '${fleet.profile}', so none of its workers ` +
        'needs root, and every child would inherit it. Run decnet as an unprivileged user, or pass --user NAME ' +
        'to have the children drop to that user, or --allow-root to run them as root anyway',
    )
  }

  const why = exceedsProfile(creds, fleet.profile)
  if (why) {
    throw new PrivilegeError('refused', `refusing to run fleet '${fleet.name}': this process ${why}; every child would inherit it`)
  }

  return {allowRoot: false}
}

function dropTo(name: string, request: PrivilegeRequest, isRoot: boolean, lookup: (name: string) => undefined | UserAccount): UserAccount {
  const {creds, fleet} = request
  if (!isRoot) {
    throw new PrivilegeError('usage', `--user needs root (only root can switch users), but decnet runs as uid ${creds.euid}`)
  }

  const account = lookup(name)
  if (account === undefined) throw new PrivilegeError('usage', `--user: unknown user '${name}'`)
  // What a child dropped to this account holds: its uid, its primary group, no supplementary groups
  // (node clears them when it switches user) and, not being root, no capabilities.
  const dropped: Credentials = {capEff: 0n, egid: account.gid, euid: account.uid, gid: account.gid, groups: [], uid: account.uid}
  const why = exceedsProfile(dropped, fleet.profile)
  if (why) throw new PrivilegeError('usage', `--user ${name}: that user ${why}`)
  return account
}
