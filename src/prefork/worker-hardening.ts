/**
 * How a fleet's workers are started so that they hold no more than their
 * profile: no_new_privs (a setuid program or file capability cannot elevate
 * them) and a bounding set of their profile's capabilities only.
 *
 * Node cannot call prctl(2), so util-linux `setpriv` does it: it is exec'd
 * in place of node (same pid, every descriptor kept, so node:cluster's IPC
 * channel survives) and then execs node. When the master is root, setpriv
 * also switches to the worker's user, after restricting the bounding set
 * (which needs CAP_SETPCAP, gone once the user is switched).
 */
import type {PrivilegeProfile} from '../fleets/types.js'

import {CAP_SETPCAP, profileCapabilities, type Credentials, type HardeningExpectation} from './credentials.js'

/** The one capability a profile's workers keep (setpriv's name for it), for the profiles that have one. */
const AMBIENT_CAPABILITY: Readonly<Partial<Record<PrivilegeProfile, string>>> = Object.freeze({
  'net-bind': 'net_bind_service',
  'net-raw': 'net_raw',
})

/** How to start one worker process of a fleet. */
export interface WorkerHardening {
  /** Run node through this (setpriv and its options, before `--`); absent: node is started directly. */
  readonly wrapper?: {readonly path: string; readonly args: readonly string[]}
  /** The user node itself switches to (no wrapper, or one that does not switch). */
  readonly uid?: number
  readonly gid?: number
  /** What each child must report in `ready` (see `hardeningShortfall`). */
  readonly expected: HardeningExpectation
  /** What the workers go without, and why; one line for the operator. Absent: nothing. */
  readonly shortfall?: string
}

/** The inputs of {@link planWorkerHardening}. */
export interface HardeningRequest {
  readonly profile: PrivilegeProfile
  /** The workers' user and group (`--user`); absent: the master's. */
  readonly uid?: number
  readonly gid?: number
  /** The master's own credentials. */
  readonly master: Credentials
  /** util-linux setpriv (see `findSetpriv`); absent: not on this system. */
  readonly setpriv?: string
}

/**
 * Decides how workers start. `root` fleets are started as before (they may
 * do anything). Other profiles go through setpriv with `--no-new-privs`;
 * a master holding CAP_SETPCAP (root) also empties the bounding set but for
 * the profile's capability (CAP_NET_RAW for `net-raw`, CAP_NET_BIND_SERVICE
 * for `net-bind`), and such a worker dropped to `--user` keeps that one
 * capability as an ambient capability (a uid change from root clears every
 * capability otherwise). An ordinary
 * master cannot shrink the bounding set: its workers hold no capabilities
 * and no_new_privs keeps it so.
 *
 * @example
 * ```ts
 * planWorkerHardening({profile: 'database', uid: 65534, gid: 65534, master: readCredentials(), setpriv: '/usr/bin/setpriv'})
 * // {wrapper: {path: '/usr/bin/setpriv', args: ['--no-new-privs', '--inh-caps=-all', '--bounding-set=-all',
 * //   '--reuid=65534', '--regid=65534', '--clear-groups']}, expected: {noNewPrivs: true, boundingSet: 0n}}
 * ```
 */
export function planWorkerHardening(request: HardeningRequest): WorkerHardening {
  const {gid, master, profile, setpriv, uid} = request
  if (profile === 'root') return {expected: {noNewPrivs: false}, gid, uid}
  const capability = AMBIENT_CAPABILITY[profile]
  if (setpriv === undefined) return withoutSetpriv(request)

  const keep = capability === undefined ? '' : `,+${capability}`
  const args = ['--no-new-privs']
  let boundingSet: bigint | undefined
  if (canShrinkBoundingSet(master)) {
    boundingSet = profileCapabilities(profile)
    // Inheritable first (lowering it is always allowed); it also clears ambient capabilities outside it.
    args.push(`--inh-caps=-all${keep}`, `--bounding-set=-all${keep}`)
  }

  if (uid !== undefined) {
    args.push(`--reuid=${uid}`)
    if (gid !== undefined) args.push(`--regid=${gid}`, '--clear-groups')
    if (capability !== undefined) args.push(`--ambient-caps=-all,+${capability}`)
  } else if (gid !== undefined) {
    args.push(`--regid=${gid}`, '--clear-groups')
  }

  return {expected: {boundingSet, noNewPrivs: true}, wrapper: {args: Object.freeze(args), path: setpriv}}
}

/**
 * Without setpriv: node switches the user itself, and the workers keep what
 * the master has. The shortfall names only what that loses: nothing under a
 * systemd unit, whose master already has no_new_privs and a bounding set of
 * its profile (children inherit both).
 */
function withoutSetpriv(request: HardeningRequest): WorkerHardening {
  const {gid, master, profile, uid} = request
  const allowed = profileCapabilities(profile)
  const without: string[] = []
  if (master.noNewPrivs !== true) without.push('no_new_privs (a setuid program could elevate them)')
  if (canShrinkBoundingSet(master) && (master.capBnd === undefined || (master.capBnd & ~allowed) !== 0n)) {
    without.push("a bounding set limited to the profile's capabilities")
  }

  const capability = AMBIENT_CAPABILITY[profile]
  if (capability !== undefined && uid !== undefined) without.push(`CAP_${capability.toUpperCase()} (a uid change clears it without setpriv)`)
  const shortfall =
    without.length === 0
      ? undefined
      : `util-linux setpriv not found (looked in /usr/bin, /bin, /usr/sbin, /sbin): workers of profile '${profile}' run without ${without.join(', without ')}; install util-linux`
  return {expected: {noNewPrivs: master.noNewPrivs === true}, gid, ...(shortfall ? {shortfall} : {}), uid}
}

function canShrinkBoundingSet(master: Credentials): boolean {
  return ((master.capEff >> CAP_SETPCAP) & 1n) === 1n
}
