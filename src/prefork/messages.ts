/**
 * The typed IPC messages between the master and a child, and the exit codes a
 * child uses. The child entry imports this file, so it holds plain data and
 * type guards only (no imports at run time).
 *
 * The conversation, in order:
 * 1. child → master `hello` once its listeners are in place (a message sent
 *    before that would be lost, so the master waits for it);
 * 2. master → child `start`: which worker to run;
 * 3. child → master `heartbeat` from its event loop, every `heartbeatMs`;
 * 4. child → master `ready` (with its credentials) when the worker says so,
 *    or `boot-failed` (then it exits with {@link ChildExitCode.BOOT_FAILED});
 * 5. child → master `status` whenever the worker describes what it is doing;
 * 6. child → master `sources` whenever the worker reports on its sources (`ctx.report`);
 * 7. master → child `reload` when the operator asks the fleet to reload (`decnet fleet
 *    reload`, SIGHUP): the child tells the worker (`ctx.onReload`); a worker that
 *    registered nothing ignores it.
 */
import type {JsonObject} from '../fleets/types.js'
import type {Credentials} from './credentials.js'
import type {SourceReport} from './source-report.js'
import type {WorkerDatabase} from './worker.js'

/**
 * How a child process exits. Any other non-zero code (or a signal) is a crash.
 * 78 and 79 are outside Node's own codes (1-14) and the signal range (128+).
 */
export const ChildExitCode = Object.freeze({
  /** The worker returned (or stopped cleanly when asked). */
  OK: 0,
  /** The worker threw or rejected. */
  FAILED: 1,
  /** The worker could not boot: module missing, export not a function, import threw. Not restarted. */
  BOOT_FAILED: 78,
  /** The master went away (its IPC channel closed): the child stopped on its own. */
  ORPHANED: 79,
})

/** Credentials as they travel over JSON IPC: capability sets as hex strings. */
export interface WireCredentials {
  uid: number
  gid: number
  euid: number
  egid: number
  groups: number[]
  /** Hex, as in /proc/PID/status. */
  capEff: string
  capBnd?: string
  noNewPrivs?: boolean
}

/** What the master tells a child to run. */
export interface StartMessage {
  type: 'start'
  /** The worker's name within its fleet. */
  name: string
  fleet: string
  /** Absolute path of the worker's ES module. */
  modulePath: string
  exportName: string
  options: JsonObject
  once: boolean
  /** The fleet's database, when it has one (see `WorkerContext.database`). */
  database?: WorkerDatabase
  /** How often to heartbeat; 0 = the watchdog is off, do not heartbeat. */
  heartbeatMs: number
}

/** Reload your configuration (rules, settings), keeping the old one if the new one is unusable. */
export interface ReloadMessage {
  type: 'reload'
}

/** The child's listeners are in place: the master may send `start`. */
export interface HelloMessage {
  type: 'hello'
}

/** The worker called `ready()`; carries the child's own credentials. */
export interface ReadyMessage {
  type: 'ready'
  credentials: WireCredentials
}

/** Sent from the child's event loop; silence means it hung. */
export interface HeartbeatMessage {
  type: 'heartbeat'
}

/** The worker cannot boot; `message` names the module and export. */
export interface BootFailedMessage {
  type: 'boot-failed'
  message: string
}

/** What the worker says it is doing (`ctx.status(text)`); the master keeps the latest. */
export interface StatusMessage {
  type: 'status'
  text: string
}

/** The worker's latest word on each source it reads (`ctx.report`); the master keeps the latest, sanitised. */
export interface SourcesMessage {
  type: 'sources'
  sources: SourceReport[]
}

/** The longest status text the master keeps (a child must not be trusted blindly). */
export const MAX_STATUS_TEXT = 200

/** Every message a child sends. */
export type ChildMessage = BootFailedMessage | HeartbeatMessage | HelloMessage | ReadyMessage | SourcesMessage | StatusMessage

/** Every message the master sends. */
export type MasterMessage = ReloadMessage | StartMessage

const CHILD_MESSAGE_TYPES: ReadonlySet<string> = new Set(['boot-failed', 'heartbeat', 'hello', 'ready', 'sources', 'status'])

/** True when `value` is a message a decnet child sends (anything else on the channel is ignored). */
export function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && CHILD_MESSAGE_TYPES.has((value as {type?: unknown}).type as string)
}

/** True when `value` is the master's `start` message. */
export function isStartMessage(value: unknown): value is StartMessage {
  return typeof value === 'object' && value !== null && (value as {type?: unknown}).type === 'start'
}

/** True when `value` is the master's `reload` message. */
export function isReloadMessage(value: unknown): value is ReloadMessage {
  return typeof value === 'object' && value !== null && (value as {type?: unknown}).type === 'reload'
}

/** Encodes credentials for JSON IPC (bigints do not survive JSON). */
export function toWireCredentials(creds: Credentials): WireCredentials {
  const {capBnd, capEff, ...ids} = creds
  const wire: WireCredentials = {...ids, capEff: capEff.toString(16)}
  if (capBnd !== undefined) wire.capBnd = capBnd.toString(16)
  return wire
}

/** Decodes credentials received over IPC; throws on anything malformed (a child must not be trusted blindly). */
export function fromWireCredentials(wire: WireCredentials): Credentials {
  const ids = [wire?.uid, wire?.gid, wire?.euid, wire?.egid]
  const hex = /^[0-9a-f]+$/i
  const valid =
    ids.every((id) => Number.isInteger(id) && id >= 0) &&
    Array.isArray(wire.groups) &&
    wire.groups.every((g) => Number.isInteger(g) && g >= 0) &&
    hex.test(wire.capEff) &&
    (wire.capBnd === undefined || hex.test(wire.capBnd)) &&
    (wire.noNewPrivs === undefined || typeof wire.noNewPrivs === 'boolean')
  if (!valid) throw new Error(`malformed credentials in ready message: ${JSON.stringify(wire)}`)
  const creds: Credentials = {
    capEff: BigInt(`0x${wire.capEff}`),
    egid: wire.egid,
    euid: wire.euid,
    gid: wire.gid,
    groups: [...wire.groups],
    uid: wire.uid,
  }
  if (wire.capBnd !== undefined) creds.capBnd = BigInt(`0x${wire.capBnd}`)
  if (wire.noNewPrivs !== undefined) creds.noNewPrivs = wire.noNewPrivs
  return creds
}
