/**
 * What follows a worker's exit, as a decision record: halt the fleet,
 * restart the worker after a delay, or leave it down. Pure: the supervisor
 * applies it (and owns the timers).
 */
import type {RestartPolicy} from '../fleets/types.js'
import type {Backoff} from './backoff.js'
import {isFailure, type WorkerExit} from './worker-exit.js'

/** The decision after one exit; `note` ends the exit's log line (`; restarting in 1000 ms`). */
export type AfterExit =
  | {readonly kind: 'halt'; readonly note: string; readonly reason: string}
  | {readonly kind: 'restart'; readonly note: string; readonly delayMs: number}
  | {readonly kind: 'stay-down'; readonly note?: string}

/** What the decision depends on besides the exit. */
export interface AfterExitContext {
  readonly fleetName: string
  readonly once: boolean
  readonly restart: RestartPolicy
  /** The worker's backoff: asked for a delay only when the decision is a restart. */
  readonly backoff: Backoff
}

/**
 * A worker that could not boot halts the fleet (restarting would fail the
 * same way); under `--once` nothing restarts; otherwise the restart policy
 * decides, and a restart waits for the worker's next backoff delay.
 */
export function afterExit(exit: WorkerExit, context: AfterExitContext): AfterExit {
  const {fleetName, once, restart} = context
  if (exit.cause === 'boot-failed') {
    const reason = `worker ${exit.worker} could not boot: ${exit.bootError ?? `exit code ${exit.code}`}`
    return {kind: 'halt', note: `stopping fleet ${fleetName}`, reason}
  }

  if (once) return {kind: 'stay-down'}
  if (restart === 'never' || (restart === 'on-failure' && !isFailure(exit))) {
    return {kind: 'stay-down', note: `not restarting (restart policy '${restart}')`}
  }

  const delayMs = context.backoff.next(exit.uptimeMs)
  return {delayMs, kind: 'restart', note: `restarting in ${delayMs} ms`}
}
