/**
 * A fleet's workers from the supervisor's point of view: one slot per worker,
 * holding its current process (if any), its backoff and its history.
 */
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {ResolvedWorker} from '../fleets/types.js'
import {Backoff} from './backoff.js'
import type {ChildHandle} from './child-handle.js'
import type {Clock, TimerHandle} from './clock.js'
import type {StartMessage} from './messages.js'
import type {FleetOutcome, Settings, WorkerReport} from './options.js'
import {heartbeatIntervalMs} from './watchdog.js'
import {isFailure, type WorkerExit} from './worker-exit.js'

/** One worker of the fleet across its successive processes. */
export interface Slot {
  readonly worker: ResolvedWorker
  readonly backoff: Backoff
  child: ChildHandle | undefined
  restartTimer: TimerHandle | undefined
  /** The SIGKILL due if the current child, retired, outlives the grace period. */
  retireTimer: TimerHandle | undefined
  /** Epoch ms when the pending restart is due (meaningful while `restartTimer` is set). */
  restartAt: number | undefined
  restarts: number
  lastExit: WorkerExit | undefined
  /** Epoch ms when `lastExit` happened. */
  lastExitAt: number | undefined
}

/** How a fleet ends: an exit code and one line for the operator. */
export interface Verdict {
  readonly code: ExitCodeValue
  readonly reason: string
}

/** A fresh slot for `worker`, with its own backoff (jittered by `random`, default `Math.random`). */
export function createSlot(worker: ResolvedWorker, settings: Pick<Settings, 'initialBackoffMs' | 'maxBackoffMs' | 'stableMs'>, random?: () => number): Slot {
  const {initialBackoffMs, maxBackoffMs, stableMs} = settings
  return {
    backoff: new Backoff({initialMs: initialBackoffMs, maxMs: maxBackoffMs, random, stableMs}),
    child: undefined,
    lastExit: undefined,
    lastExitAt: undefined,
    restartAt: undefined,
    restarts: 0,
    restartTimer: undefined,
    retireTimer: undefined,
    worker,
  }
}

/** Records a worker's exit (and when it happened, by `clock`) on its slot. */
export function recordExit(slot: Slot, exit: WorkerExit, clock: Clock): void {
  slot.lastExit = exit
  slot.lastExitAt = clock.date()
}

/** Arms the slot's restart timer on `clock`: `restart` runs after `delayMs`. */
export function scheduleRestart(slot: Slot, delayMs: number, restart: () => void, clock: Clock): void {
  slot.restartAt = clock.date() + delayMs
  slot.restartTimer = clock.setTimeout(restart, delayMs)
}

/** The `start` message that tells a child which worker to run. */
export function startMessage(worker: ResolvedWorker, settings: Settings): StartMessage {
  return {
    ...(settings.database === undefined ? {} : {database: settings.database}),
    exportName: worker.exportName,
    fleet: settings.fleet.name,
    heartbeatMs: heartbeatIntervalMs(settings.watchdogMs),
    modulePath: worker.modulePath,
    name: worker.name,
    once: settings.once,
    options: {...worker.options},
    type: 'start',
  }
}

/** The verdict when every worker ended on its own (no stop request): `--once`, or nothing left to restart. */
export function naturalEnd(slots: readonly Slot[], once: boolean): Verdict {
  const failed = slots.filter((slot) => slot.lastExit && isFailure(slot.lastExit))
  const names = failed.map((slot) => `${slot.worker.name} (${slot.lastExit!.cause})`).join(', ')
  if (once) {
    return failed.length === 0
      ? {code: ExitCode.OK, reason: 'every worker finished its pass'}
      : {code: ExitCode.ONCE_FAILED, reason: `${failed.length} of ${slots.length} workers failed: ${names}`}
  }

  return failed.length === 0
    ? {code: ExitCode.OK, reason: 'every worker exited and none is due a restart'}
    : {code: ExitCode.FAILURE, reason: `every worker exited and none is due a restart; failed: ${names}`}
}

/**
 * How the fleet ended: the first decisive verdict (else the natural end),
 * made `STOP_FORCED` when workers had to be SIGKILLed at shutdown.
 */
export function fleetOutcome(slots: readonly Slot[], verdict: undefined | Verdict, once: boolean, killed: string[]): FleetOutcome {
  let {code, reason} = verdict ?? naturalEnd(slots, once)
  if (killed.length > 0) {
    reason += `; had to SIGKILL: ${killed.join(', ')}`
    if (code === ExitCode.OK) code = ExitCode.STOP_FORCED
  }

  return {code, killed, reason, workers: workerReports(slots)}
}

/** Each worker's restarts and last exit. */
export function workerReports(slots: readonly Slot[]): WorkerReport[] {
  return slots.map((slot) => ({lastExit: slot.lastExit, name: slot.worker.name, restarts: slot.restarts}))
}
