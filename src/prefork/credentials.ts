/**
 * What a process holds (uid, gid, groups, capabilities) and whether that is
 * more than a privilege profile allows. Used by the fleet command before it
 * spawns anything and by every child when it reports `ready`, so this file
 * imports node builtins only.
 */
import {readFileSync} from 'node:fs'

import type {PrivilegeProfile} from '../fleets/types.js'

/** A process's credentials, as the kernel reports them in `/proc/<pid>/status`. */
export interface Credentials {
  /** Real user id. */
  uid: number
  /** Real group id. */
  gid: number
  /** Effective user id. */
  euid: number
  /** Effective group id. */
  egid: number
  /** Supplementary groups. */
  groups: number[]
  /** Effective capabilities (bit N = capability N). */
  capEff: bigint
  /** Bounding set, when known. */
  capBnd?: bigint
  /** The no_new_privs flag (`NoNewPrivs:`), when known: set, no execve can gain privileges (setuid, file capabilities). */
  noNewPrivs?: boolean
}

/** What a child was started with beyond its user (see `planWorkerHardening`), and must report in `ready`. */
export interface HardeningExpectation {
  /** no_new_privs must be set. */
  readonly noNewPrivs: boolean
  /** The bounding set must hold nothing outside this; absent: not checked (the master could not restrict it). */
  readonly boundingSet?: bigint
}

/** Linux capability names by bit number (see capabilities(7)). */
const CAPABILITY_NAMES: readonly string[] = Object.freeze([
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
])

/** Bit of CAP_NET_BIND_SERVICE. */
const CAP_NET_BIND_SERVICE = 10n

/** Bit of CAP_NET_RAW. */
const CAP_NET_RAW = 13n

/** Bit of CAP_SETPCAP: needed to drop capabilities from the bounding set. */
export const CAP_SETPCAP = 8n

/** The capabilities each profile may hold. */
const ALLOWED_CAPABILITIES: Readonly<Record<PrivilegeProfile, bigint>> = Object.freeze({
  database: 0n,
  docker: 0n,
  'net-bind': 1n << CAP_NET_BIND_SERVICE,
  'net-raw': 1n << CAP_NET_RAW,
  root: ~0n,
})

/**
 * Reads the credentials of this process.
 *
 * @param statusText - the text of a `/proc/<pid>/status` file; default: this process's own.
 * Without procfs, falls back to `process.getuid()` and friends (capabilities then read as 0).
 *
 * @example
 * ```ts
 * const creds = readCredentials()
 * if (creds.euid === 0) console.warn('running as root')
 * ```
 */
export function readCredentials(statusText?: string): Credentials {
  const text = statusText ?? readOwnStatus()
  if (text === undefined) return fallbackCredentials()
  const fields = new Map<string, string>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim())
  }

  const uids = numbers(fields.get('Uid'), 'Uid')
  const gids = numbers(fields.get('Gid'), 'Gid')
  const creds: Credentials = {
    uid: uids[0],
    gid: gids[0],
    euid: uids[1] ?? uids[0],
    egid: gids[1] ?? gids[0],
    groups: fields.get('Groups') ? numbers(fields.get('Groups'), 'Groups') : [],
    capEff: capabilitySet(fields.get('CapEff')),
  }
  if (fields.has('CapBnd')) creds.capBnd = capabilitySet(fields.get('CapBnd'))
  if (fields.has('NoNewPrivs')) creds.noNewPrivs = fields.get('NoNewPrivs') === '1'
  return creds
}

/** The capabilities `profile` may hold (bit N = capability N); every bit for `root`. */
export function profileCapabilities(profile: PrivilegeProfile): bigint {
  return ALLOWED_CAPABILITIES[profile]
}

/**
 * Says whether `creds` lack the hardening a child was started with: the
 * no_new_privs flag, a bounding set no larger than its profile's. A child
 * that reports less than expected was not started the way decnet meant
 * (a setpriv that ignored an option, a wrapper replaced meanwhile).
 *
 * @returns `null` when the credentials have it all, else one lowercase line saying what is missing.
 *
 * @example
 * ```ts
 * hardeningShortfall(readCredentials(), {noNewPrivs: true, boundingSet: 0n})
 * // 'no_new_privs is off (a setuid program would elevate it); its bounding set keeps 41 capabilities (...)'
 * ```
 */
export function hardeningShortfall(creds: Credentials, expected: HardeningExpectation): null | string {
  const found: string[] = []
  if (expected.noNewPrivs && creds.noNewPrivs !== true) {
    found.push(creds.noNewPrivs === undefined ? 'no_new_privs is not reported' : 'no_new_privs is off (a setuid program would elevate it)')
  }

  if (expected.boundingSet !== undefined) {
    const extra = creds.capBnd === undefined ? undefined : creds.capBnd & ~expected.boundingSet
    if (extra === undefined) found.push('its bounding set is not reported')
    else if (extra !== 0n) found.push(`its bounding set keeps ${summarise(capabilityNames(extra))}`)
  }

  return found.length === 0 ? null : found.join('; ')
}

/**
 * Says whether `creds` hold more than `profile` allows.
 *
 * Every profile but `root` forbids uid 0, gid 0 (real or effective, or as a
 * supplementary group) and any capability beyond its own (`net-raw` may hold
 * CAP_NET_RAW, `net-bind` CAP_NET_BIND_SERVICE, the others none). All but `docker` also forbid
 * membership of the `docker` group, which is worth root.
 *
 * @param dockerGid - gid of the `docker` group; default: looked up in /etc/group when needed.
 * @returns `null` when the credentials fit, else one lowercase line saying what was found.
 *
 * @example
 * ```ts
 * const why = exceedsProfile(readCredentials(), 'database')
 * if (why) throw new Error(`refusing to run: ${why}`)
 * ```
 */
export function exceedsProfile(creds: Credentials, profile: PrivilegeProfile, dockerGid?: number): null | string {
  if (profile === 'root') return null
  const found: string[] = []
  if (creds.uid === 0 || creds.euid === 0) found.push(`runs as root (uid ${creds.uid}, euid ${creds.euid})`)
  if (creds.gid === 0 || creds.egid === 0 || creds.groups.includes(0)) found.push('holds the root group (gid 0)')

  const extra = creds.capEff & ~ALLOWED_CAPABILITIES[profile]
  if (extra !== 0n) found.push(`holds ${summarise(capabilityNames(extra))}`)

  if (profile !== 'docker') {
    const docker = dockerGid ?? lookupGroupId('docker')
    if (docker !== undefined && (creds.groups.includes(docker) || creds.egid === docker)) {
      found.push(`is in the docker group (gid ${docker}), which is worth root`)
    }
  }

  return found.length === 0 ? null : `${found.join('; ')}, more than the '${profile}' profile allows`
}

/** Names of the capabilities set in `set`, e.g. `cap_net_raw` (unknown bits as `cap_N`). */
export function capabilityNames(set: bigint): string[] {
  const names: string[] = []
  for (let bit = 0n; set >> bit !== 0n; bit++) {
    if ((set >> bit) & 1n) names.push(`cap_${CAPABILITY_NAMES[Number(bit)] ?? String(bit)}`)
  }

  return names
}

/**
 * Looks a group's id up in `/etc/group`.
 *
 * @returns `undefined` when there is no such group (or no /etc/group).
 */
export function lookupGroupId(name: string, groupFile = '/etc/group'): number | undefined {
  let text: string
  try {
    text = readFileSync(groupFile, 'utf8')
  } catch {
    // No group database: nothing to compare against, so no such group.
    return undefined
  }

  for (const line of text.split('\n')) {
    const [group, , gid] = line.split(':')
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid)
  }

  return undefined
}

/** `capability cap_x`, `capabilities cap_x, cap_y`, or the first few and how many more. */
function summarise(names: readonly string[]): string {
  if (names.length === 1) return `capability ${names[0]}`
  if (names.length <= 6) return `capabilities ${names.join(', ')}`
  return `${names.length} capabilities (${names.slice(0, 4).join(', ')} and ${names.length - 4} more)`
}

function readOwnStatus(): string | undefined {
  try {
    return readFileSync('/proc/self/status', 'utf8')
  } catch {
    // No procfs (not Linux, or a sandbox without /proc): use process.get*id() instead.
    return undefined
  }
}

function fallbackCredentials(): Credentials {
  const uid = process.getuid?.() ?? -1
  const gid = process.getgid?.() ?? -1
  return {
    capEff: 0n,
    egid: process.getegid?.() ?? gid,
    euid: process.geteuid?.() ?? uid,
    gid,
    groups: process.getgroups?.() ?? [],
    uid,
  }
}

function numbers(value: string | undefined, field: string): number[] {
  const parts = (value ?? '').split(/\s+/).filter(Boolean)
  if (parts.length === 0 || !parts.every((p) => /^\d+$/.test(p))) {
    throw new Error(`unreadable process status: field ${field} is ${JSON.stringify(value ?? null)}`)
  }

  return parts.map(Number)
}

function capabilitySet(value: string | undefined): bigint {
  if (value === undefined || !/^[0-9a-f]+$/i.test(value)) return 0n
  return BigInt(`0x${value}`)
}
