/**
 * What the supervisor holds of one child process, and how it gets one: the
 * seam between the supervisor's decisions and node:cluster. {@link LiveChild}
 * is the real implementation; a test hands the supervisor a factory of fakes
 * and drives their messages and exits itself.
 */
import type {ChildMessage, MasterMessage} from './messages.js'
import type {SourceReport} from './source-report.js'

/** Why the supervisor sent SIGKILL: grace expired, a second stop, the watchdog, too much privilege, or a retirement's grace expired. */
export type KillCause = 'grace' | 'hung' | 'now' | 'privilege' | 'retired'

/** Why the supervisor stopped one child to restart it: the cause (for its exit record) and the reason in words. */
export interface Retirement {
  readonly cause: 'memory-limit'
  /** e.g. `memory limit: RSS 812 MB > 512 MB` */
  readonly reason: string
}

/** How to fork one child. */
export interface ForkRequest {
  /** The worker's name (output prefix). */
  readonly name: string
  /** The child entry script. */
  readonly exec: string
  /** The complete environment for `cluster.fork` (see `forkEnvironment`). */
  readonly env: Readonly<Record<string, string | undefined>>
  readonly uid: number | undefined
  readonly gid: number | undefined
  /** Node.js and V8 options for this child only, after the master's own (the worker's `nodeOptions`). */
  readonly nodeOptions?: readonly string[]
  /** Start node through this program (setpriv; see `planWorkerHardening`); absent: node directly. */
  readonly wrapper?: {readonly path: string; readonly args: readonly string[]}
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
  /** 0 disables the watchdog. */
  readonly watchdogMs: number
}

/**
 * What a child reports; each callback runs at most once per event, after the
 * child is known (never from inside {@link ChildFactory.fork}).
 */
export interface ChildListener {
  message(child: ChildHandle, message: ChildMessage): void
  /** The process is gone and its output drained. `error` is set when it could not even be started. */
  exit(child: ChildHandle, code: number | null, signal: NodeJS.Signals | null, error?: Error): void
  /** The child's watchdog found it silent for `silentMs`. */
  hung(child: ChildHandle, silentMs: number): void
}

/**
 * One child process as the supervisor sees it: who it is, three ways to act
 * on it, and what the supervisor has learnt about it (the state that later
 * explains its exit; the supervisor writes it, the handle only keeps it).
 */
export interface ChildHandle {
  readonly name: string
  /** 0 when the process could not be started. */
  readonly pid: number
  /** The supervisor clock's `now()` at fork. */
  readonly startedAt: number
  /** How long it has been running. */
  readonly uptimeMs: number
  /** The child said hello: its entry script is running. */
  greeted: boolean
  /** The worker called `ready()`. */
  ready: boolean
  /** What the worker last said it is doing (`ctx.status`), if anything. */
  statusText: string | undefined
  /** What the worker last reported on its sources (`ctx.report`), sanitised; absent when nothing. */
  sources?: readonly SourceReport[]
  /** The child said why it could not boot. */
  bootError: string | undefined
  /** The supervisor asked it to stop (SIGTERM). */
  asked: boolean
  /** Why the supervisor SIGKILLed it (the first reason wins). */
  killCause: KillCause | undefined
  /** How long it had been silent when the watchdog fired. */
  silentMs: number | undefined
  /** Set when the supervisor stopped it in order to restart it. */
  retired: Retirement | undefined
  /** Sends a message; a child that is already gone is not an error (its exit is on the way). */
  send(message: MasterMessage): void
  /** Asks the child to stop (SIGTERM) and records that it was asked. */
  terminate(): void
  /** SIGKILLs the child and records why (the first reason is kept). */
  kill(cause: KillCause): void
}

/**
 * Starts child processes. Throws when a process cannot be created (e.g.
 * EPERM changing uid); reports everything after that through `listener`.
 *
 * @example
 * ```ts
 * const children: ChildFactory = {fork: (request, listener) => LiveChild.fork(request, listener)}
 * ```
 */
export interface ChildFactory {
  fork(request: ForkRequest, listener: ChildListener): ChildHandle
}
