/**
 * Where a fleet's control socket, pid file and daemon log live.
 */
import {chmodSync, lstatSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

/** Overrides the runtime directory (sockets and pid files) for every user. */
export const RUNTIME_DIR_ENV = 'DECNET_RUNTIME_DIR'

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
  const runtimeDir = runtimeDirectory(context)
  return {
    fleet,
    logFile: join(logDirectory(context.dataDir), `${fleet}.log`),
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
