/**
 * The supervisor's options and its outcome, and option validation.
 */
import type {ExitCodeValue} from '../exit-codes.js'
import type {ResolvedFleet} from '../fleets/types.js'
import type {WorkerDatabase} from './worker.js'
import type {WorkerExit} from './worker-exit.js'

/** How loud a supervisor line is. */
export type LogLevel = 'debug' | 'error' | 'info' | 'warn'

/** How to run a fleet. Durations are in milliseconds. */
export interface SupervisorOptions {
  /** The fleet to run, as the registry resolved it. */
  fleet: ResolvedFleet
  /** Every worker does one pass and exits; nothing restarts. Default false. */
  once?: boolean
  /** How long children get to stop after SIGTERM before SIGKILL. Default 15000. */
  graceMs?: number
  /** The cap of the restart backoff. Default 30000. */
  maxBackoffMs?: number
  /** The first restart delay (then doubling). Default 1000. */
  initialBackoffMs?: number
  /** A child silent (no heartbeat) for longer than this is killed and restarted. Default 30000; 0 disables. */
  watchdogMs?: number
  /** Uptime after which a worker's backoff resets. Default 60000. */
  stableMs?: number
  /**
   * Memory limit of every worker, in MiB of resident memory (RSS), overriding
   * the workers' own `maxMemoryMb` (`--max-memory`). A worker over its limit is
   * stopped (SIGTERM, then SIGKILL after `graceMs`) and restarted. Default: each worker's own, if any.
   */
  maxMemoryMb?: number
  /** How often the master reads its children's memory when a worker has a limit. Default 2000. */
  memoryCheckMs?: number
  /**
   * The fleet's database: every worker gets it in its context
   * (`WorkerContext.database`), and in its environment as `DECNET_DB_URL`
   * (for workers that read it there). Omitted: the workers get none.
   */
  database?: WorkerDatabase
  /** Extra environment for children, merged over the allow-listed part of the master's (`database` sets DECNET_DB_URL over it). */
  env?: Record<string, string>
  /** Children run as this user (privilege drop); omitted = the master's. */
  uid?: number
  /** Children run as this group; omitted = the master's. */
  gid?: number
  /**
   * util-linux setpriv, which starts every worker of a non-root profile with
   * no_new_privs and (when the master is root) a bounding set of the
   * profile's capabilities, switching to `uid`/`gid` itself. An absolute
   * path; `false`: start workers without it. Default: looked for in
   * /usr/bin, /bin, /usr/sbin, /sbin (see `findSetpriv`).
   */
  setpriv?: false | string
  /**
   * The operator accepted running the fleet with more privilege than its
   * profile needs (`--allow-root`): a child holding too much is reported as a
   * warning instead of stopping the fleet. Default false.
   */
  allowRoot?: boolean
  /** Where prefixed child output and supervisor lines go. Default: child stdout and info lines to process.stdout, child stderr and warnings/errors to process.stderr. */
  out?: NodeJS.WritableStream
  /**
   * Receives every supervisor line, whole (`[decnet] worker profiler ready (pid 42)`), with its level,
   * instead of it being written to `out`. `debug` lines otherwise go to the `decnet:supervisor` debug logger.
   */
  log?: (level: LogLevel, message: string) => void
  /** Called once per run, when every worker is ready at the same time (with the `fleet NAME ready` line). */
  onReady?: () => void
}

/** One worker at the end of a run. */
export interface WorkerReport {
  readonly name: string
  /** How many times it was restarted. */
  readonly restarts: number
  /** Its last exit, if it ever exited. */
  readonly lastExit?: WorkerExit
}

/** How a fleet ended. */
export interface FleetOutcome {
  /** One of ExitCode: OK, STOP_FORCED, WORKER_BOOT_FAILED, ONCE_FAILED, PRIVILEGE_EXCEEDED, FAILURE. */
  code: ExitCodeValue
  /** One line for the operator. */
  reason: string
  /** Workers SIGKILLed at shutdown (grace expired, or stop asked twice). */
  killed: string[]
  /** Every worker, with its restarts and last exit. */
  workers: WorkerReport[]
}

/** Options with defaults filled in, validated. */
export interface Settings {
  readonly fleet: ResolvedFleet
  readonly once: boolean
  readonly graceMs: number
  readonly maxBackoffMs: number
  readonly initialBackoffMs: number
  readonly watchdogMs: number
  readonly stableMs: number
  readonly database: WorkerDatabase | undefined
  readonly env: Readonly<Record<string, string>>
  readonly uid: number | undefined
  readonly gid: number | undefined
  readonly allowRoot: boolean
  /** `undefined`: look for it when the fleet starts. */
  readonly setpriv: false | string | undefined
  readonly maxMemoryMb: number | undefined
  readonly memoryCheckMs: number
}

/**
 * Validates options and fills defaults. Throws with one message shape:
 * "Expected `graceMs` to be a non-negative number of milliseconds, got `-1`".
 */
export function resolveSettings(options: SupervisorOptions): Settings {
  const {fleet} = options
  if (!fleet || !Array.isArray(fleet.workers) || fleet.workers.length === 0) {
    throw new Error(`Expected \`fleet\` to be a resolved fleet with at least one worker, got \`${fleet?.name ?? fleet}\``)
  }

  return Object.freeze({
    allowRoot: options.allowRoot ?? false,
    database: options.database === undefined ? undefined : Object.freeze({...options.database}),
    env: Object.freeze({...options.env, ...databaseEnvironment(options.database)}),
    fleet,
    gid: id('gid', options.gid),
    graceMs: duration('graceMs', options.graceMs, 15_000),
    initialBackoffMs: duration('initialBackoffMs', options.initialBackoffMs, 1000),
    maxBackoffMs: duration('maxBackoffMs', options.maxBackoffMs, 30_000),
    maxMemoryMb: megabytes('maxMemoryMb', options.maxMemoryMb),
    memoryCheckMs: Math.max(1, duration('memoryCheckMs', options.memoryCheckMs, 2000)),
    once: options.once ?? false,
    setpriv: setprivPath(options.setpriv),
    stableMs: duration('stableMs', options.stableMs, 60_000),
    uid: id('uid', options.uid),
    watchdogMs: duration('watchdogMs', options.watchdogMs, 30_000),
  })
}

function duration(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 2 ** 31 - 1) {
    throw new Error(`Expected \`${name}\` to be a non-negative number of milliseconds, got \`${String(value)}\``)
  }

  return value
}

function megabytes(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 1 || value > 1024 * 1024) {
    throw new Error(`Expected \`${name}\` to be a whole number of MiB from 1 to 1048576, got \`${String(value)}\``)
  }

  return value
}

function setprivPath(value: false | string | undefined): false | string | undefined {
  if (value === undefined || value === false || (typeof value === 'string' && value.startsWith('/'))) return value
  throw new Error(`Expected \`setpriv\` to be an absolute path or false, got \`${String(value)}\``)
}

function id(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 0) throw new Error(`Expected \`${name}\` to be a non-negative integer, got \`${String(value)}\``)
  return value
}

/** The environment variable in which workers written before `WorkerContext.database` find the database. */
export const DATABASE_URL_VARIABLE = 'DECNET_DB_URL'

/** `database` as that variable: its URL (`sqlite:PATH` for a SQLite file). */
function databaseEnvironment(database: WorkerDatabase | undefined): Record<string, string> {
  if (database === undefined) return {}
  return {[DATABASE_URL_VARIABLE]: database.kind === 'postgres' ? database.url : `sqlite:${database.path}`}
}
