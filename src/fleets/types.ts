/**
 * The data that describes a fleet. Fleets are plain, serialisable data: a
 * plugin's `decnet:fleets` hook returns an array of {@link FleetDefinition}
 * and the registry turns each into a {@link ResolvedFleet}.
 */

/** A JSON value, so worker options survive the trip over IPC unchanged. */
export type JsonValue = boolean | JsonObject | JsonValue[] | null | number | string
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue
}

/**
 * What a worker needs from the operating system. One word each, smallest first:
 *
 * - `database`: a database connection and nothing else (no root, no capabilities).
 * - `docker`: the docker socket (membership of the `docker` group), no root.
 * - `net-bind`: binding ports below 1024 (CAP_NET_BIND_SERVICE), no root.
 * - `net-raw`: raw network sockets (CAP_NET_RAW), no root.
 * - `root`: full root.
 */
export type PrivilegeProfile = 'database' | 'docker' | 'net-bind' | 'net-raw' | 'root'

/** Every {@link PrivilegeProfile}, in order of increasing privilege. */
export const PRIVILEGE_PROFILES: readonly PrivilegeProfile[] = Object.freeze(['database', 'docker', 'net-bind', 'net-raw', 'root'])

/**
 * When the supervisor restarts a worker that exited:
 * - `on-failure` (default): after a non-zero exit or a death by signal.
 * - `always`: also after a clean, unrequested exit.
 * - `never`: never.
 */
export type RestartPolicy = 'always' | 'never' | 'on-failure'

/** One worker of a fleet, as a plugin declares it. */
export interface WorkerSpec {
  /** Unique within the fleet: `[a-z][a-z0-9-]*`. */
  name: string
  /** Path of the worker's ES module, relative to the plugin's root (or absolute). */
  module: string
  /** Name of the exported worker function; default `default`. */
  export?: string
  /** What this worker needs; must equal its fleet's profile. */
  needs: PrivilegeProfile
  /** Default `on-failure`. */
  restart?: RestartPolicy
  /** Passed to the worker as `context.options`; must be JSON. */
  options?: JsonObject
  /** Restart the worker when its resident memory (RSS) exceeds this many MiB; overrides the fleet's. Default: no limit. */
  maxMemoryMb?: number
  /**
   * Node.js and V8 options for this worker's process only, added to node's
   * command line after the master's own (e.g. `['--max-semi-space-size=1']`
   * to bound V8's young generation in a worker that idles most of the time).
   * Each is one `--name` or `--name=value` without spaces; at most
   * {@link MAX_NODE_OPTIONS}. Default: none.
   */
  nodeOptions?: string[]
  /**
   * The worker opens the database (`DECNET_DB_URL`). `decnet fleet` then
   * checks, before spawning, that the workers' user can open a SQLite
   * database there, and refuses to start when it cannot; workers that do not
   * declare it are not held back by a database they never touch. Default false.
   */
  usesDatabase?: boolean
  /**
   * `sender`: this worker delivers the fleet's alerts to a webhook. It runs
   * only when the fleet is given one (`decnet fleet NAME --webhook URL`),
   * and then gets it as its `webhook` option (`{url, secret, ...}`); the
   * fleet's other workers get `alerts` (`{maxQueue}`) and queue alerts.
   * Default: an ordinary worker.
   */
  alerts?: 'sender'
}

/** A fleet as a plugin declares it. */
export interface FleetDefinition {
  /** `[a-z][a-z0-9-]*`, at most 32 characters, not a `fleet` subcommand name. */
  name: string
  /** One line, shown in `decnet fleet --help` and `decnet fleet list`. */
  description: string
  /** The privilege every worker of this fleet needs (they must all agree). */
  profile: PrivilegeProfile
  /** At least one. */
  workers: WorkerSpec[]
  /** The memory limit (RSS, MiB) of every worker that does not set its own. Default: no limit. */
  maxMemoryMb?: number
  /**
   * The decnet settings its workers take: `collect` (the file
   * `<data dir>/collect.json`, see docs/collect.md). `decnet fleet` reads and
   * checks them before spawning, applies its `--follow`/`--listen`, and gives
   * every worker the result as its `settings` option. Default: none.
   */
  settings?: FleetSettingsKind
}

/** The kinds of settings a fleet may take (see {@link FleetDefinition.settings}). */
export type FleetSettingsKind = 'collect'

/** Every {@link FleetSettingsKind}. */
export const FLEET_SETTINGS_KINDS: readonly FleetSettingsKind[] = Object.freeze(['collect'])

/** The most {@link WorkerSpec.nodeOptions} a worker may have. */
export const MAX_NODE_OPTIONS = 16

/** A worker after validation: module resolved to an absolute path, defaults filled. */
export interface ResolvedWorker {
  readonly name: string
  /** Absolute path of the module, checked to exist on disk. */
  readonly modulePath: string
  readonly exportName: string
  readonly needs: PrivilegeProfile
  readonly restart: RestartPolicy
  readonly options: Readonly<JsonObject>
  /** Its memory limit (RSS, MiB): its own, else its fleet's; absent = none. */
  readonly maxMemoryMb?: number
  /** Node.js and V8 options for its process (see {@link WorkerSpec.nodeOptions}); absent = none. */
  readonly nodeOptions?: readonly string[]
  /** Present (true) when the worker declared that it opens the database. */
  readonly usesDatabase?: true
  /** Present when the worker delivers the fleet's alerts (see {@link WorkerSpec.alerts}). */
  readonly alerts?: 'sender'
}

/** A fleet after validation, with the plugin it came from. */
export interface ResolvedFleet {
  readonly name: string
  readonly description: string
  readonly profile: PrivilegeProfile
  readonly workers: readonly ResolvedWorker[]
  /** The decnet settings its workers take, if any. */
  readonly settings?: FleetSettingsKind
  /** The contributing plugin's package name. */
  readonly plugin: string
  /** The contributing plugin's root directory. */
  readonly pluginRoot: string
}

/** Why a plugin's fleets (or one of them) could not be used. */
export interface PluginProblem {
  /** The plugin's package name. */
  readonly plugin: string
  /** The fleet concerned, when the problem is about one fleet. */
  readonly fleet?: string
  /** Lowercase, specific: `hook timed out after 5000 ms`, `worker "x": module ./w.js not found`. */
  readonly message: string
}

/** What the registry found: usable fleets sorted by name, and the problems. */
export interface FleetCatalog {
  readonly fleets: readonly ResolvedFleet[]
  readonly problems: readonly PluginProblem[]
}
