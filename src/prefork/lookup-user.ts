import {execFileSync} from 'node:child_process'

import {makeDebug} from '../util/lazy-debug.js'

import {passwdEntries} from './passwd.js'

const debug = makeDebug('decnet:privilege')

/** A user account: what children need to run as it. */
export interface UserAccount {
  readonly name: string
  readonly uid: number
  /** The user's primary group. */
  readonly gid: number
}

/**
 * Looks a user up by name (or numeric uid) in `/etc/passwd`, then, for
 * accounts from other sources (LDAP, systemd-homed...), through `id(1)`.
 *
 * @returns `undefined` when there is no such user.
 *
 * @example
 * ```ts
 * lookupUser('nobody') // {name: 'nobody', uid: 65534, gid: 65534}
 * ```
 */
export function lookupUser(name: string, passwdFile = '/etc/passwd'): undefined | UserAccount {
  return fromPasswd(name, passwdFile) ?? fromId(name)
}

function fromPasswd(name: string, passwdFile: string): undefined | UserAccount {
  const byUid = /^\d+$/.test(name)
  const entry = passwdEntries(passwdFile).find((candidate) => candidate.name === name || (byUid && String(candidate.uid) === name))
  return entry && {gid: entry.gid, name: entry.name, uid: entry.uid}
}

function fromId(name: string): undefined | UserAccount {
  // `--` so that a name starting with a dash is never read as an option.
  const id = (flag: string): number | undefined => {
    try {
      const out = execFileSync('id', [flag, '--', name], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim()
      return /^\d+$/.test(out) ? Number(out) : undefined
    } catch (error) {
      debug('id %s %s failed: %s', flag, name, (error as Error).message)
      return undefined
    }
  }

  const uid = id('-u')
  const gid = uid === undefined ? undefined : id('-g')
  return uid === undefined || gid === undefined ? undefined : {gid, name, uid}
}
