/**
 * The child entry: node:cluster runs this file in every child process of a
 * fleet. It loads ONE worker module, runs its export, and reports to the
 * master over IPC.
 *
 * Its import graph is kept tiny on purpose (node builtins, ./messages.js,
 * ./credentials.js, ./flushed.js, ./inherited-descriptors.js; `debug` only
 * when DEBUG is set): every child pays for every module it loads, in memory
 * and start-up time. Never import oclif, the registry or a database driver
 * here.
 *
 * This file is a process entry point, like a command: it is the one place in
 * src/prefork that ends its process (`process.exit`), because the IPC channel
 * keeps a child alive after its worker returns.
 */
import cluster from 'node:cluster'
import {accessSync, constants} from 'node:fs'
import {dirname} from 'node:path'
import {pathToFileURL} from 'node:url'

import {readCredentials} from './credentials.js'
import {flushed} from './flushed.js'
import {closeInheritedDescriptors, type ClosedDescriptor} from './inherited-descriptors.js'
import {ChildExitCode, isReloadMessage, isStartMessage, toWireCredentials, type ChildMessage, type StartMessage} from './messages.js'
import type {WorkerContext, WorkerFunction} from './worker.js'

type Logger = WorkerContext['debug']

/** Once the master is gone, how long the worker gets to wind down (its AbortSignal has fired) before the child exits. */
const ORPHAN_GRACE_MS = 500
/** How long to wait for the `boot-failed` message to leave before exiting anyway. */
const SEND_TIMEOUT_MS = 1000
/**
 * How long to wait, before exiting, for output still queued in this process
 * (a pipe write that found the pipe full is finished later by the event loop,
 * and `process.exit` would drop it). The master reads continuously, so this
 * only bounds a pathological case; an orphan's pipes are gone, so it waits less.
 */
const FLUSH_TIMEOUT_MS = 5000
const ORPHAN_FLUSH_TIMEOUT_MS = 100

/** The state of this child process (one per process, created by {@link main}). */
class ChildProcessRuntime {
  readonly #controller = new AbortController()
  #start: StartMessage | undefined
  #orphaned = false
  #readySent = false
  #debug: Logger = noop
  /** Descriptors inherited by accident, closed before anything else ran. */
  #closed: ClosedDescriptor[] = []
  /** What the worker asked to hear on a reload (`ctx.onReload`). */
  readonly #reloadListeners: Array<() => void> = []

  /** Closes what it should not hold, installs the signal and channel handlers and greets the master. */
  main(): void {
    // First: no worker code may ever see a descriptor of the master's beyond the ones it was given.
    this.#closed = closeInheritedDescriptors()
    if (typeof process.send !== 'function') {
      this.#print('this is the child entry of `decnet fleet`; it runs only under the fleet supervisor')
      process.exitCode = ChildExitCode.BOOT_FAILED
      return
    }

    // The terminal's Ctrl-C reaches the whole process group; the master decides what it means.
    process.on('SIGINT', () => this.#debug('ignoring SIGINT: the master decides'))
    process.on('SIGTERM', () => this.#controller.abort(new Error('stop requested (SIGTERM)')))
    // Before node:cluster's own listener, which would exit at once with code 0.
    process.prependListener('disconnect', () => this.#orphan())
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (error: Error) => this.#debug('output lost: %s', error.message))
    }

    process.on('message', (message) => {
      if (isStartMessage(message) && this.#start === undefined) void this.#boot(message)
      else if (isReloadMessage(message)) this.#reload()
    })
    this.#send({type: 'hello'})
  }

  async #boot(start: StartMessage): Promise<void> {
    this.#start = start
    process.title = `decnet ${start.fleet}/${start.name}`
    if (start.heartbeatMs > 0) setInterval(() => this.#send({type: 'heartbeat'}), start.heartbeatMs).unref()
    const run = await this.#load(start)
    if (run === undefined) return
    // Asked to stop while booting: there is nothing to wind down, so do not start the worker.
    if (this.#controller.signal.aborted) return this.#exit(ChildExitCode.OK)
    let code: number = ChildExitCode.OK
    try {
      await run(this.#context(start))
    } catch (error) {
      if (this.#controller.signal.aborted && isAbortError(error, this.#controller.signal)) {
        this.#debug('stopped by abort: %s', describe(error))
      } else {
        this.#print(`worker ${start.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : describe(error)}`)
        code = ChildExitCode.FAILED
      }
    }

    return this.#exit(code)
  }

  /** Imports the worker's module and finds its export; on failure reports it and exits. */
  async #load(start: StartMessage): Promise<undefined | WorkerFunction> {
    let exports: Record<string, unknown>
    try {
      exports = (await import(pathToFileURL(start.modulePath).href)) as Record<string, unknown>
    } catch (error) {
      const unreadable = moduleUnreadable(start.modulePath)
      if (unreadable) return this.#bootFailed(`${unreadable} (export "${start.exportName}")`)
      if (error instanceof Error && error.stack) this.#print(error.stack)
      return this.#bootFailed(`importing module ${start.modulePath} (export "${start.exportName}") threw: ${describe(error)}`)
    }

    const run = exports[start.exportName]
    if (typeof run !== 'function') {
      const found = run === undefined ? 'no such export' : `a ${typeof run}`
      return this.#bootFailed(`module ${start.modulePath}: export "${start.exportName}" is not a function (${found})`)
    }

    if (process.env.DEBUG) this.#debug = await loadDebug(`decnet:worker:${start.name}`, (why) => this.#print(why))
    for (const {fd, target} of this.#closed) this.#debug('closed descriptor %d (%s), inherited by accident', fd, target)
    return run as WorkerFunction
  }

  #context(start: StartMessage): WorkerContext {
    return Object.freeze({
      ...(start.database === undefined ? {} : {database: Object.freeze(start.database)}),
      debug: this.#debug,
      fleet: start.fleet,
      name: start.name,
      once: start.once,
      onReload: (listener: () => void) => void this.#reloadListeners.push(listener),
      options: Object.freeze(start.options),
      ready: () => this.#ready(),
      signal: this.#controller.signal,
      report: (sources: Parameters<NonNullable<WorkerContext['report']>>[0]) => this.#send({sources: [...sources], type: 'sources'}),
      status: (text: string) => this.#send({text: String(text), type: 'status'}),
    })
  }

  /** Tells the worker to reload; a worker that registered nothing ignores it. A listener that throws is reported, not fatal. */
  #reload(): void {
    if (this.#reloadListeners.length === 0) return this.#debug('reload asked: this worker does not reload (ignored)')
    for (const listener of this.#reloadListeners) {
      try {
        listener()
      } catch (error) {
        this.#print(`reload failed: ${error instanceof Error ? error.message : describe(error)}`)
      }
    }
  }

  #ready(): void {
    if (this.#readySent) return
    this.#readySent = true
    this.#send({credentials: toWireCredentials(readCredentials()), type: 'ready'})
  }

  async #bootFailed(message: string): Promise<undefined> {
    this.#print(`cannot boot: ${message}`)
    await new Promise<void>((resolve) => {
      setTimeout(resolve, SEND_TIMEOUT_MS).unref()
      this.#send({message, type: 'boot-failed'}, resolve)
    })
    await this.#exit(ChildExitCode.BOOT_FAILED)
    return undefined
  }

  /**
   * The IPC channel closed without the master asking: the master is gone. Stop, say why, exit non-zero.
   * The words go to this child's stderr, whose reader was the master: they reach someone only if
   * another process shares that pipe. The exit code (79) is what remains.
   */
  #orphan(): void {
    this.#orphaned = true
    // Tell node:cluster's listener the disconnect is handled, so it does not exit with code 0 itself.
    if (cluster.worker) cluster.worker.exitedAfterDisconnect = true
    const who = this.#start ? `worker ${this.#start.name}` : 'worker'
    this.#print(`[decnet] ${who} (pid ${process.pid}): the master went away (IPC channel closed); exiting with code ${ChildExitCode.ORPHANED}`)
    this.#controller.abort(new Error('the master went away'))
    if (this.#start === undefined) void this.#exit(ChildExitCode.ORPHANED)
    else setTimeout(() => void this.#exit(ChildExitCode.ORPHANED), ORPHAN_GRACE_MS)
  }

  /** Ends the process once its queued output is out (never resolves: the process is gone by then). */
  async #exit(code: number): Promise<void> {
    const timeoutMs = this.#orphaned ? ORPHAN_FLUSH_TIMEOUT_MS : FLUSH_TIMEOUT_MS
    await Promise.all([flushed(process.stdout, timeoutMs), flushed(process.stderr, timeoutMs)])
    process.exit(this.#orphaned ? ChildExitCode.ORPHANED : code)
  }

  #send(message: ChildMessage, done?: () => void): void {
    if (!process.connected || !process.send) {
      done?.()
      return
    }

    process.send(message, undefined, {}, (error: Error | null) => {
      if (error) this.#debug('cannot send %s: %s', message.type, error.message)
      done?.()
    })
  }

  #print(text: string): void {
    process.stderr.write(`${text}\n`)
  }
}

/** A `debug` logger, loaded only when DEBUG is set (it costs each child about 1 MB otherwise spent for nothing). */
async function loadDebug(namespace: string, warn: (why: string) => void): Promise<Logger> {
  try {
    const {default: createDebug} = await import('debug')
    return createDebug(namespace)
  } catch (error) {
    warn(`debug logging is off: cannot load the debug package: ${describe(error)}`)
    return noop
  }
}

function noop(): void {}

function isAbortError(error: unknown, signal: AbortSignal): boolean {
  return error === signal.reason || (error instanceof Error && error.name === 'AbortError')
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

new ChildProcessRuntime().main()

/**
 * Why this process cannot read a worker module, when the import error would
 * hide it: missing, or not readable by this user (a dropped child often
 * cannot enter the directory where the plugin lives), naming the first path
 * it is denied. Undefined when the module can be read.
 */
function moduleUnreadable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return `module ${path} not found`
    if (code !== 'EACCES') return undefined
  }

  const dirs: string[] = []
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    dirs.unshift(dir)
    if (dir === dirname(dir)) break
  }

  const denied = dirs.find((dir) => !searchable(dir)) ?? path
  const who = `uid ${process.getuid?.() ?? '?'}`
  return `module ${path} cannot be read by ${who}: permission denied on ${denied} (a permission problem, not a missing file; let ${who} read the plugin)`
}

function searchable(dir: string): boolean {
  try {
    accessSync(dir, constants.X_OK)
    return true
  } catch {
    // Denied (or gone): either way the module cannot be reached through this directory.
    return false
  }
}
