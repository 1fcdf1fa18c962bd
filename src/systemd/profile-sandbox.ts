import type {PrivilegeProfile} from '../fleets/types.js'

/**
 * What a privilege profile grants a fleet's service, in systemd's terms.
 * Mirrors what `exceedsProfile` (src/prefork/credentials.ts) lets a process
 * hold: the master checks its own credentials at start, so a unit that
 * granted more would be refused (exit 3) and one that granted less would
 * fail its workers.
 */
export interface ProfileSandbox {
  /** The only capabilities in the bounding and ambient sets; `null`: unrestricted (root). */
  readonly capabilities: readonly string[] | null
  /** Groups the service joins on top of its user's own (`SupplementaryGroups=`). */
  readonly supplementaryGroups: readonly string[]
  /** The socket families the service may open (`RestrictAddressFamilies=`); `null`: any. */
  readonly addressFamilies: readonly string[] | null
  /** One comment line saying what the profile grants and why nothing else. */
  readonly why: string
}

/** Sockets every fleet needs: node:cluster's IPC (AF_UNIX), PostgreSQL over TCP or its Unix socket. */
const BASE_FAMILIES = Object.freeze(['AF_UNIX', 'AF_INET', 'AF_INET6'])

/**
 * The sandbox of each profile, smallest first.
 *
 * @example
 * ```ts
 * PROFILE_SANDBOX['net-raw'].capabilities // ['CAP_NET_RAW']
 * ```
 */
export const PROFILE_SANDBOX: Readonly<Record<PrivilegeProfile, ProfileSandbox>> = Object.freeze({
  database: Object.freeze({
    addressFamilies: BASE_FAMILIES,
    capabilities: Object.freeze([]),
    supplementaryGroups: Object.freeze([]),
    why: "profile 'database': a database connection and nothing else: no capabilities, no extra groups",
  }),
  docker: Object.freeze({
    addressFamilies: BASE_FAMILIES,
    capabilities: Object.freeze([]),
    supplementaryGroups: Object.freeze(['docker']),
    why: "profile 'docker': the docker group (its socket; worth root, so only this fleet gets it), no capabilities",
  }),
  'net-bind': Object.freeze({
    addressFamilies: BASE_FAMILIES,
    capabilities: Object.freeze(['CAP_NET_BIND_SERVICE']),
    supplementaryGroups: Object.freeze([]),
    why: "profile 'net-bind': CAP_NET_BIND_SERVICE (listening on ports below 1024) and no other capability, no extra groups",
  }),
  'net-raw': Object.freeze({
    addressFamilies: Object.freeze([...BASE_FAMILIES, 'AF_NETLINK', 'AF_PACKET']),
    capabilities: Object.freeze(['CAP_NET_RAW']),
    supplementaryGroups: Object.freeze([]),
    why: "profile 'net-raw': CAP_NET_RAW (raw and packet sockets) and no other capability, no extra groups",
  }),
  root: Object.freeze({
    addressFamilies: null,
    capabilities: null,
    supplementaryGroups: Object.freeze([]),
    why: "profile 'root': the workers may do anything, so the unit takes away only what no root task needs",
  }),
})
