/**
 * The master's end of the control socket. It only answers requests: no
 * timers, no polling; an idle fleet pays for one listening descriptor.
 */
import {chmodSync, rmSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import {dirname} from 'node:path'

import {makeDebug} from '../util/lazy-debug.js'

import type {FleetStatus} from '../prefork/fleet-status.js'
import type {FleetPaths} from './fleet-paths.js'

import {ControlError, requestStatus} from './control-client.js'
import {checkSocketPath, ensurePrivateDirectory} from './fleet-paths.js'
import {parseRequest, readLines, writeLine, type StopOutcome} from './protocol.js'

const debug = makeDebug('decnet:control')

/** How long clients get to read the last answers when the master closes the socket. */
const GOODBYE_MS = 1000

/** What the server does for each request. */
export interface ControlHandlers {
  /** The fleet's status right now. */
  status(): Promise<FleetStatus>
  /** Begins a graceful stop (a second one: stop now); returns the grace period clients should expect. */
  stop(): {graceMs: number}
  /** Asks the workers to reload their configuration; returns the workers asked. */
  reload(): {workers: readonly string[]}
}

/** Another live master already answers on the fleet's socket. */
export class SocketInUseError extends Error {
  readonly path: string
  /** The other master's pid, when it answered. */
  readonly pid: number | undefined

  constructor(target: Target, pid: number | undefined) {
    const who = pid === undefined ? 'another process' : `its master (pid ${pid})`
    super(`fleet '${target.fleet}' is already running: ${who} answers on ${target.socket}`)
    this.name = 'SocketInUseError'
    this.path = target.socket
    this.pid = pid
  }
}

type Target = Pick<FleetPaths, 'fleet' | 'socket'>

/**
 * A listening control socket (mode 0600 in a 0700 directory). A stale socket
 * file (nothing listens on it) is replaced; a live one is not.
 *
 * @example
 * ```ts
 * const server = await ControlServer.listen(paths, {status: async () => supervisor.snapshot(), stop: () => ...})
 * const outcome = await supervisor.run()
 * await server.close(outcome)   // tells `decnet fleet stop` how it ended; removes the socket
 * ```
 */
export class ControlServer {
  readonly path: string
  readonly #server: Server
  readonly #handlers: ControlHandlers
  readonly #connections = new Set<Socket>()
  /** Connections that asked to stop and wait for the outcome. */
  readonly #awaiting = new Set<Socket>()
  #outcome: StopOutcome | undefined
  #closing: Promise<void> | undefined

  private constructor(path: string, server: Server, handlers: ControlHandlers) {
    this.path = path
    this.#server = server
    this.#handlers = handlers
    server.on('connection', (socket) => this.#accept(socket))
  }

  /**
   * Creates the runtime directory if needed and listens on the fleet's socket.
   *
   * @throws {@link SocketInUseError} when a live master already answers there
   */
  static async listen(target: Target, handlers: ControlHandlers): Promise<ControlServer> {
    checkSocketPath(target.socket)
    ensurePrivateDirectory(dirname(target.socket))
    let server = createServer()
    try {
      await bind(server, target.socket)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
      await assertStale(target)
      debug('replacing the stale socket %s', target.socket)
      rmSync(target.socket, {force: true})
      server = createServer()
      await bind(server, target.socket)
    }

    chmodSync(target.socket, 0o600)
    return new ControlServer(target.socket, server, handlers)
  }

  /**
   * Sends `outcome` to every client waiting on a stop, then stops listening
   * (which removes the socket file) and closes the connections. Idempotent.
   */
  close(outcome?: StopOutcome): Promise<void> {
    this.#closing ??= this.#shutdown(outcome)
    return this.#closing
  }

  async #shutdown(outcome: StopOutcome | undefined): Promise<void> {
    this.#outcome = outcome
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#awaiting) if (outcome) writeLine(socket, {ok: true, op: 'stopped', outcome})
    const gone = [...this.#connections].map((socket) => new Promise((resolve) => socket.once('close', resolve).end()))
    const timer = setTimeout(() => {
      for (const socket of this.#connections) socket.destroy()
    }, GOODBYE_MS)
    await Promise.all([closed, ...gone])
    clearTimeout(timer)
  }

  #accept(socket: Socket): void {
    this.#connections.add(socket)
    socket.once('close', () => {
      this.#connections.delete(socket)
      this.#awaiting.delete(socket)
    })
    socket.on('error', (error) => debug('control connection: %s', error.message))
    // Answers go out in request order, even though a status takes a moment to assemble.
    let queue = Promise.resolve()
    readLines(
      socket,
      (line) => {
        queue = queue.then(() => this.#answer(socket, line))
      },
      () => {
        writeLine(socket, {error: 'request line too long', ok: false})
        socket.end()
      },
    )
  }

  async #answer(socket: Socket, line: string): Promise<void> {
    try {
      const request = parseRequest(line)
      if (request.op === 'status') return writeLine(socket, {ok: true, op: 'status', status: await this.#handlers.status()})
      if (request.op === 'reload') return writeLine(socket, {ok: true, op: 'reload', pid: process.pid, workers: this.#handlers.reload().workers})
      this.#awaiting.add(socket)
      writeLine(socket, {graceMs: this.#handlers.stop().graceMs, ok: true, op: 'stop', pid: process.pid})
      if (this.#outcome) writeLine(socket, {ok: true, op: 'stopped', outcome: this.#outcome})
    } catch (error) {
      writeLine(socket, {error: (error as Error).message, ok: false})
    }
  }
}

function bind(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** Returns when the socket file at `target` is stale; throws {@link SocketInUseError} when someone answers there. */
async function assertStale(target: Target): Promise<void> {
  try {
    const status = await requestStatus(target, 2000)
    throw new SocketInUseError(target, status.master.pid)
  } catch (error) {
    if (error instanceof ControlError && error.notRunning) return
    if (error instanceof SocketInUseError) throw error
    debug('socket %s is taken: %s', target.socket, (error as Error).message)
    throw new SocketInUseError(target, undefined)
  }
}
