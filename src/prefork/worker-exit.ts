/**
 * Reaping: what one child's exit was, as a record, and how to say it.
 */
import {ChildExitCode} from './messages.js'
import type {KillCause, Retirement} from './child-handle.js'

/**
 * Why a child ended, from the supervisor's point of view:
 * - `stopped`: asked to stop (SIGTERM) and it did;
 * - `killed-after-grace` / `killed-on-demand`: asked to stop, did not in time / a second stop came;
 * - `hung`: killed by the watchdog;
 * - `privilege`: killed for holding more privilege than its fleet's profile;
 * - `memory-limit`: stopped (SIGTERM, or SIGKILL after the grace period) for exceeding its memory limit, to be restarted;
 * - `boot-failed`: could not load its module or export (or the process could not start);
 * - `crashed`: non-zero exit code;
 * - `signaled`: killed by a signal the supervisor did not send (the OOM killer, an operator...);
 * - `exited`: exit code 0 without being asked (the worker returned).
 */
export type ExitCause =
  | 'boot-failed'
  | 'crashed'
  | 'exited'
  | 'hung'
  | 'killed-after-grace'
  | 'killed-on-demand'
  | 'memory-limit'
  | 'privilege'
  | 'signaled'
  | 'stopped'

/** One child's exit: a record, not a string. */
export interface WorkerExit {
  readonly worker: string
  /** 0 when the process could not be started. */
  readonly pid: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly cause: ExitCause
  readonly uptimeMs: number
  /** The supervisor had asked it to stop. */
  readonly requested: boolean
  /** The watchdog found it silent for longer than its period. */
  readonly hung: boolean
  /** The supervisor SIGKILLed it. */
  readonly forciblyKilled: boolean
  /** Why it could not boot, as the child (or the spawn error) said. */
  readonly bootError?: string
  /** Why the supervisor ended it, when it did so to restart it: `memory limit: RSS 812 MB > 512 MB`. */
  readonly reason?: string
}

/** What the supervisor knows about a child when it is reaped. */
export interface ReapedChild {
  readonly name: string
  readonly pid: number
  readonly uptimeMs: number
  readonly asked: boolean
  /** Its entry script ran (it said hello). */
  readonly greeted: boolean
  readonly killCause: KillCause | undefined
  readonly bootError: string | undefined
  /** The supervisor stopped it to restart it (e.g. over its memory limit). */
  readonly retired?: Retirement
}

const KILL_CAUSES: Readonly<Record<KillCause, ExitCause>> = Object.freeze({
  grace: 'killed-after-grace',
  hung: 'hung',
  now: 'killed-on-demand',
  privilege: 'privilege',
  retired: 'memory-limit',
})

/** Builds the record of an exit. `code`/`signal` are as node reports them. */
export function workerExit(child: ReapedChild, code: number | null, signal: NodeJS.Signals | null): WorkerExit {
  const forciblyKilled = child.killCause !== undefined && signal === 'SIGKILL'
  let cause: ExitCause
  // Retired (to be restarted): however it then ended, that is why.
  if (child.retired) cause = child.retired.cause
  else if (forciblyKilled) cause = KILL_CAUSES[child.killCause]
  else if (code === ChildExitCode.BOOT_FAILED || child.pid === 0 || diedUnborn(child, code)) cause = 'boot-failed'
  else if (child.asked && (code === 0 || signal === 'SIGTERM')) cause = 'stopped'
  else if (signal !== null) cause = 'signaled'
  else if (code === 0) cause = 'exited'
  else cause = 'crashed'
  return {
    bootError: child.bootError,
    cause,
    code,
    forciblyKilled,
    hung: child.killCause === 'hung',
    pid: child.pid,
    ...(child.retired ? {reason: child.retired.reason} : {}),
    requested: child.asked,
    signal,
    uptimeMs: Math.round(child.uptimeMs),
    worker: child.name,
  }
}

/** The record of a worker whose process could not even be created (`reason` says why). */
export function unstartedExit(name: string, reason: string): WorkerExit {
  return workerExit({asked: false, bootError: reason, greeted: false, killCause: undefined, name, pid: 0, uptimeMs: 0}, null, null)
}

/**
 * True when a child failed before its entry script even ran (node could not
 * load it: unreadable after a uid drop, a bad NODE_OPTIONS...): restarting
 * would fail the same way.
 */
export function diedUnborn(child: Pick<ReapedChild, 'asked' | 'greeted' | 'killCause'>, code: number | null): boolean {
  return !child.greeted && !child.asked && child.killCause === undefined && code !== null && code !== 0
}

/** Why a child that {@link diedUnborn} could not boot, as far as the master can tell. */
export function unbornReason(code: number | null, entry: string, uid: number | undefined): string {
  const by = uid === undefined ? '' : ` by uid ${uid}`
  return `its process exited (code ${code}) before the child entry ran (see its output above; is ${entry} readable${by}?)`
}

/** True when the record is a failure (a restart under `on-failure`). */
export function isFailure(exit: WorkerExit): boolean {
  return exit.cause !== 'exited' && exit.cause !== 'stopped'
}

/** Settings that words about an exit depend on. */
export interface ExitContext {
  readonly graceMs: number
  readonly watchdogMs: number
  readonly once: boolean
}

/** How loud an exit is and the sentence that explains it (without `[decnet] `). */
export function describeExit(exit: WorkerExit, context: ExitContext): {level: 'error' | 'info' | 'warn'; text: string} {
  const who = `worker ${exit.worker}${exit.pid === 0 ? '' : ` (pid ${exit.pid})`}`
  switch (exit.cause) {
    case 'stopped':
      return {level: 'info', text: `${who} stopped`}
    case 'killed-after-grace':
      return {level: 'warn', text: `${who} did not stop within ${context.graceMs} ms; killed (SIGKILL)`}
    case 'killed-on-demand':
      return {level: 'warn', text: `${who} killed at once (SIGKILL): stop asked twice`}
    case 'hung':
      return {level: 'error', text: `${who} hung: no heartbeat for over ${context.watchdogMs} ms; killed by the watchdog (SIGKILL)`}
    case 'privilege':
      return {level: 'error', text: `${who} killed (SIGKILL): it holds more privilege than its fleet allows`}
    case 'memory-limit':
      return {
        level: 'warn',
        text: `${who} ${exit.forciblyKilled ? `did not stop within ${context.graceMs} ms; killed (SIGKILL)` : 'stopped'}: ${exit.reason ?? 'memory limit'}`,
      }
    case 'boot-failed':
      return {level: 'error', text: `${who} could not boot: ${exit.bootError ?? `exit code ${exit.code}`}`}
    case 'signaled':
      return {
        level: 'error',
        text: `${who} killed by ${exit.signal}, not sent by decnet${exit.signal === 'SIGKILL' ? ' (OOM killer?)' : ''}`,
      }
    case 'exited':
      return context.once
        ? {level: 'info', text: `${who} finished (code 0)`}
        : {level: 'warn', text: `${who} exited (code 0) without being asked`}
    case 'crashed':
      return {
        level: 'error',
        text: `${who} crashed (exit code ${exit.code}${exit.code === ChildExitCode.ORPHANED ? ': it lost its master' : ''})${
          exit.requested ? ' while stopping' : ''
        }`,
      }
  }
}
