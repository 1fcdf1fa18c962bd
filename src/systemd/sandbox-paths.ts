import {isAbsolute, normalize} from 'node:path'

import {FleetUnitError} from './fleet-unit-error.js'
import {unitPath} from './unit-syntax.js'

/** Directories `ProtectHome=` hides. */
const HOME_DIRS: readonly string[] = Object.freeze(['/home', '/root', '/run/user'])

/** Directories `PrivateTmp=yes` replaces with the service's own, empty ones. */
const TMP_DIRS: readonly string[] = Object.freeze(['/tmp', '/var/tmp'])

/** What the service must be able to reach on the host's file system. */
export interface SandboxNeeds {
  /** Read (and execute): node, decnet, the fleet's plugin and worker modules. */
  readonly read: readonly {readonly path: string; readonly what: string}[]
  /** Read when present (decnet's data directory, which may not exist). */
  readonly readIfPresent: readonly {readonly path: string; readonly what: string}[]
  /** Read and write (a SQLite database's directory outside the state directory). */
  readonly write: readonly {readonly path: string; readonly what: string}[]
}

/** The directives that make {@link SandboxNeeds} reachable under `ProtectSystem=strict`. */
export interface SandboxMounts {
  /** `yes` (home directories unreachable), or `tmpfs` when something needed lives under one and is bound back in. */
  readonly protectHome: 'tmpfs' | 'yes'
  /** `BindReadOnlyPaths=`, `BindPaths=` and `ReadWritePaths=` lines, as `[key, value]`. */
  readonly directives: readonly (readonly [string, string])[]
  /** Lines for the operator: optional paths the service will not see. */
  readonly warnings: readonly string[]
}

/**
 * Decides how the service sees each path it needs. With
 * `ProtectSystem=strict` everything outside home directories and /tmp is
 * readable and nothing is writable, so: a path to write gets
 * `ReadWritePaths=`; a path under /home, /root or /run/user is bound back
 * into an otherwise empty home (`ProtectHome=tmpfs` plus `BindReadOnlyPaths=`
 * or `BindPaths=`) instead of opening every home directory; a needed path
 * under /tmp or /var/tmp cannot be reached at all (`PrivateTmp=yes`).
 *
 * @throws {@link FleetUnitError} when a needed path is under /tmp or cannot be written into a unit.
 *
 * @example
 * ```ts
 * sandboxMounts({read: [{path: '/root/decnet', what: 'decnet'}], readIfPresent: [], write: []})
 * // {protectHome: 'tmpfs', directives: [['BindReadOnlyPaths', '/root/decnet']], warnings: []}
 * ```
 */
export function sandboxMounts(needs: SandboxNeeds): SandboxMounts {
  const warnings: string[] = []
  const write = outermost(needs.write.map((n) => checked(n, 'written')))
  const read = outermost(needs.read.map((n) => checked(n, 'read'))).filter((p) => !write.some((w) => within(p.path, w.path)))
  const optional = outermost(
    needs.readIfPresent.filter((n) => {
      if (!underAny(absolute(n), TMP_DIRS)) return true
      warnings.push(`${n.what} ${n.path} is under a temporary directory, which the service does not see (PrivateTmp=yes)`)
      return false
    }),
  ).filter((p) => ![...read, ...write].some((r) => within(p.path, r.path)))

  const directives: [string, string][] = []
  for (const n of read) if (underAny(n.path, HOME_DIRS)) directives.push(['BindReadOnlyPaths', unitPath(n.path, n.what)])
  for (const n of optional) {
    if (underAny(n.path, HOME_DIRS)) directives.push(['BindReadOnlyPaths', unitPath(n.path, n.what, {optional: true})])
  }

  for (const n of write) directives.push([underAny(n.path, HOME_DIRS) ? 'BindPaths' : 'ReadWritePaths', unitPath(n.path, n.what)])
  const bound = directives.some(([key]) => key.startsWith('Bind'))
  return {directives, protectHome: bound ? 'tmpfs' : 'yes', warnings}
}

/** Whether `path` is `dir` or inside it. */
export function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`)
}

function underAny(path: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => within(path, dir))
}

function absolute(need: {path: string; what: string}): string {
  if (!isAbsolute(need.path)) throw new FleetUnitError(`${need.what} ${JSON.stringify(need.path)} is not an absolute path`)
  return normalize(need.path)
}

function checked(need: {path: string; what: string}, verb: string): {path: string; what: string} {
  const path = absolute(need)
  if (underAny(path, TMP_DIRS)) {
    throw new FleetUnitError(
      `${need.what} ${path} must be ${verb} by the service, but it is under a temporary directory, which the ` +
        'service does not see (PrivateTmp=yes); move it elsewhere',
    )
  }

  return {path, what: need.what}
}

/** Drops every path inside another one of the list (binding the outer one covers it); keeps order of first sight. */
function outermost(needs: readonly {path: string; what: string}[]): {path: string; what: string}[] {
  const unique = [...new Map(needs.map((n) => [normalize(n.path), {...n, path: normalize(n.path)}])).values()]
  return unique.filter((n) => !unique.some((other) => other !== n && within(n.path, other.path)))
}
