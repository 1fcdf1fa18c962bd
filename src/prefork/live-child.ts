/**
 * One running child process of a fleet: forked through node:cluster, its
 * output relayed, its heartbeats watched, and every way it can end reported
 * once, as an event for the supervisor's queue.
 */
import cluster, {type Worker as ClusterWorker} from 'node:cluster'
import {dirname, extname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {makeDebug} from '../util/lazy-debug.js'

import type {ChildFactory, ChildHandle, ChildListener, ForkRequest, KillCause, Retirement} from './child-handle.js'
import {isChildMessage, type MasterMessage} from './messages.js'
import {relayLines} from './output.js'
import type {SourceReport} from './source-report.js'
import {Watchdog} from './watchdog.js'

const debug = makeDebug('decnet:supervisor')

/**
 * After a child's `exit`, how long to wait for the end of its output before
 * reporting the exit. The pipes normally close at once; only a grandchild
 * that inherited them keeps them open, and it must not delay reaping long.
 */
const DRAIN_MS = 1000

/**
 * A child forked through node:cluster: the real {@link ChildHandle}. Create
 * with {@link LiveChild.fork} (or through {@link liveChildren}).
 */
export class LiveChild implements ChildHandle {
  readonly name: string
  /** 0 when the process could not be started. */
  readonly pid: number
  /** `performance.now()` at fork: the system clock's, which is what a real process runs on. */
  readonly startedAt = performance.now()
  /** The child said hello: its entry script is running. */
  greeted = false
  /** The worker called `ready()`. */
  ready = false
  /** What the worker last said it is doing (`ctx.status`), if anything. */
  statusText: string | undefined
  /** What the worker last reported on its sources (`ctx.report`), sanitised; absent when nothing. */
  sources?: readonly SourceReport[]
  /** The child said why it could not boot. */
  bootError: string | undefined
  /** The supervisor asked it to stop (SIGTERM). */
  asked = false
  /** Why the supervisor SIGKILLed it (the first reason wins). */
  killCause: KillCause | undefined
  /** How long it had been silent when the watchdog fired. */
  silentMs: number | undefined
  /** Set when the supervisor stopped it in order to restart it. */
  retired: Retirement | undefined
  readonly #worker: ClusterWorker
  readonly #watchdog: Watchdog
  #exited = false

  private constructor(name: string, worker: ClusterWorker, watchdogMs: number, listener: ChildListener) {
    this.name = name
    this.#worker = worker
    this.pid = worker.process.pid ?? 0
    this.#watchdog = new Watchdog(this.pid === 0 ? 0 : watchdogMs, (silentMs) => listener.hung(this, silentMs))
  }

  /**
   * Forks a child. `cluster.setupPrimary` is global to the process, so it is
   * called right before the fork with every setting spelled out (settings
   * persist between calls, and another supervisor may have changed them).
   * Throws when the process cannot be created (e.g. EPERM changing uid).
   */
  static fork(request: ForkRequest, listener: ChildListener): LiveChild {
    const {wrapper} = request
    const nodeArgs = [...process.execArgv, ...(request.nodeOptions ?? [])]
    cluster.setupPrimary({
      args: [],
      exec: request.exec,
      // Through a wrapper: `setpriv OPTIONS -- node NODE_OPTIONS child.js` (see forkThrough).
      execArgv: wrapper ? [...wrapper.args, '--', process.execPath, ...nodeArgs] : nodeArgs,
      gid: request.gid,
      serialization: 'json',
      silent: true,
      // stdin /dev/null, stdout/stderr piped for prefixing, the IPC channel: nothing else of the
      // master's. (Not its stderr: that may be root's terminal, or the daemon's 0600 log.)
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      uid: request.uid,
    })
    const worker = wrapper ? forkThrough(wrapper.path, request.env) : cluster.fork(request.env)
    const child = new LiveChild(request.name, worker, request.watchdogMs, listener)
    const {process: proc} = worker
    if (proc.stdout) relayLines(proc.stdout, request.name, request.stdout)
    if (proc.stderr) relayLines(proc.stderr, request.name, request.stderr)
    worker.on('message', (message: unknown) => {
      // Any message comes from the child's event loop, so it proves life as well as a heartbeat
      // does: `hello` ends the watchdog's first window (node's boot) well before the first beat.
      child.#watchdog.beat()
      if (message !== null && (message as {type?: unknown}).type === 'heartbeat') return
      if (isChildMessage(message)) listener.message(child, message)
      else debug('worker %s sent an unknown message: %o', child.name, message)
    })
    worker.on('error', (error: Error) => {
      debug('worker %s (pid %d): %s', child.name, child.pid, error.message)
      if (child.pid === 0) child.#reportExit(listener, null, null, error)
    })
    proc.once('exit', (code, signal) => {
      child.#watchdog.stop()
      const drained = setTimeout(() => child.#reportExit(listener, code, signal), DRAIN_MS)
      proc.once('close', () => {
        clearTimeout(drained)
        child.#reportExit(listener, code, signal)
      })
    })
    return child
  }

  /** How long it has been running. */
  get uptimeMs(): number {
    return performance.now() - this.startedAt
  }

  /** Sends a message; a child that is already gone is not an error (its exit is on the way). */
  send(message: MasterMessage): void {
    if (!this.#worker.isConnected()) return
    this.#worker.send(message, undefined, (error: Error | null) => {
      if (error) debug('cannot send %s to worker %s: %s', message.type, this.name, error.message)
    })
  }

  /** Asks the child to stop (SIGTERM: its AbortSignal fires). */
  terminate(): void {
    this.asked = true
    this.#signal('SIGTERM')
  }

  /** SIGKILLs the child and records why (the first reason is kept). */
  kill(cause: KillCause): void {
    this.killCause ??= cause
    this.#signal('SIGKILL')
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#exited || this.pid === 0) return
    try {
      this.#worker.process.kill(signal)
    } catch (error) {
      debug('cannot send %s to worker %s (pid %d): %s', signal, this.name, this.pid, (error as Error).message)
    }
  }

  #reportExit(listener: ChildListener, code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    if (this.#exited) return
    this.#exited = true
    this.#watchdog.stop()
    listener.exit(this, code, signal, error)
  }
}

/** The real factory: every child a process forked through node:cluster. */
export const liveChildren: ChildFactory = Object.freeze({fork: (request: ForkRequest, listener: ChildListener) => LiveChild.fork(request, listener)})

/**
 * `cluster.fork`, with `program` run in place of node. node:cluster has no
 * setting for the executable: its fork always runs `process.execPath`, read
 * at the call. So that is pointed at `program` for the length of the
 * synchronous call (spawn has happened when it returns), and restored.
 */
function forkThrough(program: string, env: ForkRequest['env']): ClusterWorker {
  const node = process.execPath
  process.execPath = program
  try {
    return cluster.fork(env)
  } finally {
    process.execPath = node
  }
}

/** The child entry next to this file (child.js when built, child.ts when run from src/ through tsx). */
export function childEntryPath(): string {
  const self = fileURLToPath(import.meta.url)
  return join(dirname(self), `child${extname(self)}`)
}
