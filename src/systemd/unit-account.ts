import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

import makeDebug from 'debug'

import type {PrivilegeProfile} from '../fleets/types.js'
import type {Credentials} from '../prefork/credentials.js'
import type {UserAccount} from '../prefork/lookup-user.js'
import type {UnitAccount} from './fleet-unit.js'

import {exceedsProfile, lookupGroupId} from '../prefork/credentials.js'
import {lookupUser} from '../prefork/lookup-user.js'
import {FleetUnitError} from './fleet-unit-error.js'
import {PROFILE_SANDBOX} from './profile-sandbox.js'

const debug = makeDebug('decnet:systemd')

/** How {@link resolveUnitAccount} looks things up; tests replace them. */
export interface AccountLookups {
  readonly user: (name: string) => undefined | UserAccount
  /** Every group id the user gets at login (its primary group included). */
  readonly groups: (name: string) => number[]
  readonly groupName: (gid: number) => string | undefined
  readonly groupId: (name: string) => number | undefined
}

const SYSTEM_LOOKUPS: AccountLookups = Object.freeze({groupId: lookupGroupId, groupName, groups: loginGroups, user: lookupUser})

/**
 * The account a fleet's unit runs as for `--user NAME`, checked against the
 * fleet's profile the way the master will check itself at start. Unlike
 * `decnet fleet --user` (where node drops every supplementary group),
 * systemd's `User=` gives the process all the user's groups, so a user in
 * the `docker` group (worth root) is refused for a `database` fleet.
 *
 * @throws {@link FleetUnitError} for a root fleet, an unknown user, or a user holding more than the profile.
 *
 * @example
 * ```ts
 * resolveUnitAccount('nobody', {name: 'heavy', profile: 'database'}) // {user: 'nobody', group: 'nogroup'}
 * ```
 */
export function resolveUnitAccount(
  name: string,
  fleet: {readonly name: string; readonly profile: PrivilegeProfile},
  lookups: AccountLookups = SYSTEM_LOOKUPS,
): UnitAccount {
  if (fleet.profile === 'root') throw new FleetUnitError(`fleet '${fleet.name}' needs root: --user would take it away`)
  const account = lookups.user(name)
  if (account === undefined) throw new FleetUnitError(`--user: unknown user '${name}'`)
  const granted = PROFILE_SANDBOX[fleet.profile].supplementaryGroups.map((group) => lookups.groupId(group))
  const groups = [...new Set([...lookups.groups(account.name), ...granted.filter((gid) => gid !== undefined)])]
  const creds: Credentials = {capEff: 0n, egid: account.gid, euid: account.uid, gid: account.gid, groups, uid: account.uid}
  const why = exceedsProfile(creds, fleet.profile, lookups.groupId('docker'))
  if (why) throw new FleetUnitError(`--user ${name}: that user ${why}`)
  return {group: lookups.groupName(account.gid) ?? String(account.gid), user: account.name}
}

/** The groups `id -G` lists for a user (what systemd's initgroups() gives it). */
function loginGroups(name: string): number[] {
  let out: string
  try {
    out = execFileSync('id', ['-G', '--', name], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (error) {
    throw new FleetUnitError(`--user ${name}: cannot list the user's groups (id -G: ${(error as Error).message.trim()})`)
  }

  return out.trim().split(/\s+/).filter(Boolean).map(Number)
}

/** The name of a group id in /etc/group, if it has one. */
function groupName(gid: number, groupFile = '/etc/group'): string | undefined {
  let text: string
  try {
    text = readFileSync(groupFile, 'utf8')
  } catch (error) {
    debug('cannot read %s: %s', groupFile, (error as Error).message)
    return undefined
  }

  for (const line of text.split('\n')) {
    const [group, , id] = line.split(':')
    if (group && id === String(gid)) return group
  }

  return undefined
}
