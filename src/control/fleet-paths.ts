/**
 * Where a fleet's control socket, pid file and daemon log live.
 */
import {chmodSync, existsSync, lstatSync, mkdirSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

/** Overrides the runtime directory (sockets and pid files) for every user. */
export const RUNTIME_DIR_ENV = 'DECNET_RUNTIME_DIR'

/** Where systemd creates the runtime directories of services (`RuntimeDirectory=`). */
const SYSTEM_RUNTIME_ROOT = '/run'

/** The longest path a Unix socket can have on Linux (`sun_path` is 108 bytes, NUL included). */
const MAX_SOCKET_PATH_BYTES = 107

/** The files of one fleet. */
export interface FleetPaths {
  readonly fleet: string
  /** Holds the sockets and pid files: mode 0700, owned by the user running decnet. */
  readonly runtimeDir: string
  /** The master's control socket (mode 0600), present while it runs. */
  readonly socket: string
  /** The pid of a `--daemon` master. */
  readonly pidFile: string
  /** A `--daemon` master's output (appended to). */
  readonly logFile: string
}

/** What the paths depend on. */
export interface PathContext {
  /** oclif's `config.dataDir` (honours DECNET_DATA_DIR). */
  readonly dataDir: string
  /** Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv
  /** Default `process.geteuid()`. */
  readonly uid?: number
}

/**
 * The runtime directory: `$DECNET_RUNTIME_DIR` if set; `/run/decnet` for
 * root; `$XDG_RUNTIME_DIR/decnet`; else `<data dir>/run`.
 *
 * @example
 * ```ts
 * runtimeDirectory({dataDir: this.config.dataDir})  // '/run/user/1000/decnet'
 * ```
 */
export function runtimeDirectory(context: PathContext): string {
  const {dataDir, env = process.env, uid = process.geteuid?.() ?? 0} = context
  if (env[RUNTIME_DIR_ENV]) return env[RUNTIME_DIR_ENV]
  if (uid === 0) return '/run/decnet'
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'decnet')
  return join(dataDir, 'run')
}

/** Where the daemon logs go: `<data dir>/logs`. */
export function logDirectory(dataDir: string): string {
  return join(dataDir, 'logs')
}

/** The files of fleet `fleet`. */
export function fleetPaths(fleet: string, context: PathContext): FleetPaths {
  return pathsIn(runtimeDirectory(context), fleet, context.dataDir)
}

/**
 * The runtime directory systemd creates for the unit of fleet `fleet`
 * (`RuntimeDirectory=decnet-NAME`, see `decnet fleet unit`): `/run/decnet-NAME`.
 * Its own directory, owned by the service's user: a dynamic user cannot
 * write to `/run/decnet`, and fleets never share a directory.
 */
export function unitRuntimeDirectory(fleet: string): string {
  return join(SYSTEM_RUNTIME_ROOT, `decnet-${fleet}`)
}

/**
 * The runtime directories a client (`decnet fleet status`, `stop`) looks
 * in: {@link runtimeDirectory} and, for root when `$DECNET_RUNTIME_DIR` is
 * not set, every fleet unit's (`/run/decnet-*`), so that root reaches a
 * fleet systemd runs as another user.
 */
export function clientRuntimeDirectories(context: PathContext): string[] {
  const own = runtimeDirectory(context)
  if (!looksInUnits(context)) return [own]
  let names: string[]
  try {
    names = readdirSync(SYSTEM_RUNTIME_ROOT)
  } catch {
    // No /run (not Linux): no unit directories either.
    return [own]
  }

  const units = names.filter((name) => /^decnet-[a-z][a-z0-9-]*$/.test(name))
  return [own, ...units.sort().map((name) => join(SYSTEM_RUNTIME_ROOT, name))]
}

/**
 * Where a client finds fleet `fleet`: its files in {@link runtimeDirectory},
 * unless only the fleet's unit directory (root, no `$DECNET_RUNTIME_DIR`)
 * holds its control socket or pid file.
 *
 * @example
 * ```ts
 * locateFleet('heavy', {dataDir})  // as root, with decnet-heavy.service running: {socket: '/run/decnet-heavy/heavy.sock', ...}
 * ```
 */
export function locateFleet(fleet: string, context: PathContext): FleetPaths {
  const own = fleetPaths(fleet, context)
  if (!looksInUnits(context) || existsSync(own.socket) || existsSync(own.pidFile)) return own
  const unit = pathsIn(unitRuntimeDirectory(fleet), fleet, context.dataDir)
  return existsSync(unit.socket) || existsSync(unit.pidFile) ? unit : own
}

function looksInUnits(context: PathContext): boolean {
  const {env = process.env, uid = process.geteuid?.() ?? 0} = context
  return uid === 0 && !env[RUNTIME_DIR_ENV]
}

function pathsIn(runtimeDir: string, fleet: string, dataDir: string): FleetPaths {
  return {
    fleet,
    logFile: join(logDirectory(dataDir), `${fleet}.log`),
    pidFile: join(runtimeDir, `${fleet}.pid`),
    runtimeDir,
    socket: join(runtimeDir, `${fleet}.sock`),
  }
}

/** The fleet a control socket file name belongs to (`sample.sock` -> `sample`), or undefined. */
export function fleetOfSocket(fileName: string): string | undefined {
  return /^([a-z][a-z0-9-]*)\.sock$/.exec(fileName)?.[1]
}

/**
 * Creates `dir` (and its parents) if needed and makes sure only its owner
 * can enter it: mode 0700, owned by this process's effective user.
 *
 * @throws when it is not a directory, or belongs to another user.
 */
export function ensurePrivateDirectory(dir: string): void {
  mkdirSync(dir, {mode: 0o700, recursive: true})
  const stat = lstatSync(dir)
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`)
  const uid = process.geteuid?.()
  if (uid !== undefined && stat.uid !== uid) {
    throw new Error(`${dir} belongs to uid ${stat.uid}, not to this user (uid ${uid}); refusing to keep private files there`)
  }

  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700)
}

/** Throws when `path` is too long to bind a Unix socket to. */
export function checkSocketPath(path: string): void {
  const bytes = Buffer.byteLength(path)
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `control socket path is too long (${bytes} bytes, at most ${MAX_SOCKET_PATH_BYTES}): ${path}; ` +
        `set ${RUNTIME_DIR_ENV} to a shorter directory`,
    )
  }
}
