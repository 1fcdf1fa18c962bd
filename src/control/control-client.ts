/**
 * Talking to a running master over its control socket.
 */
import {createConnection, type Socket} from 'node:net'

import {makeDebug} from '../util/lazy-debug.js'

import type {FleetStatus} from '../prefork/fleet-status.js'
import type {FleetPaths} from './fleet-paths.js'

import {readLines, writeLine, type ControlRequest, type ControlResponse} from './protocol.js'

const debug = makeDebug('decnet:control')

/** How long a master gets to answer a request. */
export const ANSWER_TIMEOUT_MS = 5000

/**
 * Why a master could not be asked:
 * - `absent`: no control socket (the fleet is not running);
 * - `stale`: a socket file nobody listens on (its master died without removing it);
 * - `denied`: no permission (it belongs to another user);
 * - `no-answer`: it accepted the connection but did not answer in time, or closed it;
 * - `protocol`: it answered something that is not a control message.
 */
export type ControlErrorKind = 'absent' | 'denied' | 'no-answer' | 'protocol' | 'stale'

/** A master could not be reached or did not answer; `kind` says why. */
export class ControlError extends Error {
  readonly kind: ControlErrorKind
  readonly fleet: string
  readonly path: string

  constructor(kind: ControlErrorKind, target: Target, message: string) {
    super(message)
    this.name = 'ControlError'
    this.kind = kind
    this.fleet = target.fleet
    this.path = target.socket
  }

  /** True when the fleet is simply not running (no socket, or a stale one). */
  get notRunning(): boolean {
    return this.kind === 'absent' || this.kind === 'stale'
  }
}

type Target = Pick<FleetPaths, 'fleet' | 'socket'>

/**
 * One connection to a master: send requests, read answers in order.
 *
 * @example
 * ```ts
 * const connection = await ControlConnection.open(paths)
 * connection.send({op: 'status'})
 * const answer = await connection.next()
 * connection.close()
 * ```
 */
export class ControlConnection {
  /** Resolves when the master closes the connection (it exits after a stop). */
  readonly closed: Promise<void>
  readonly #target: Target
  readonly #socket: Socket
  readonly #answers: ControlResponse[] = []
  #waiter: (() => void) | undefined
  #ended = false
  #garbage: string | undefined

  private constructor(target: Target, socket: Socket) {
    this.#target = target
    this.#socket = socket
    const wake = () => {
      this.#waiter?.()
      this.#waiter = undefined
    }

    readLines(
      socket,
      (line) => {
        try {
          this.#answers.push(JSON.parse(line) as ControlResponse)
        } catch {
          this.#garbage ??= line.slice(0, 200)
        }

        wake()
      },
      () => {
        this.#garbage ??= 'an endless line'
        socket.destroy()
      },
    )
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#ended = true
        wake()
        resolve()
      })
    })
    // A reset after the connection was up ends it like a close; 'close' follows.
    socket.on('error', (error) => debug('control socket %s: %s', target.socket, error.message))
  }

  /** Connects to the fleet's socket; throws a {@link ControlError} saying why it cannot. */
  static open(target: Target): Promise<ControlConnection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(target.socket)
      socket.once('connect', () => {
        socket.removeAllListeners('error')
        resolve(new ControlConnection(target, socket))
      })
      socket.once('error', (error: NodeJS.ErrnoException) => reject(connectError(target, error)))
    })
  }

  /** Sends one request (answers come back in order, see {@link next}). */
  send(request: ControlRequest): void {
    writeLine(this.#socket, request)
  }

  /**
   * The next answer; `undefined` when the connection closed first.
   *
   * @throws {@link ControlError} (`no-answer`) after `timeoutMs`, (`protocol`) on a line that is not JSON
   */
  async next(timeoutMs = ANSWER_TIMEOUT_MS): Promise<ControlResponse | undefined> {
    const deadline = Date.now() + timeoutMs
    while (this.#answers.length === 0 && !this.#ended && this.#garbage === undefined) {
      const left = deadline - Date.now()
      if (left <= 0) throw this.#error('no-answer', `did not answer on ${this.#target.socket} within ${Math.round(timeoutMs / 1000)} s`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }

    if (this.#garbage !== undefined) throw this.#error('protocol', `answered garbage on ${this.#target.socket}: ${this.#garbage}`)
    return this.#answers.shift()
  }

  /** Drops the connection. */
  close(): void {
    this.#socket.destroy()
  }

  #error(kind: ControlErrorKind, what: string): ControlError {
    return new ControlError(kind, this.#target, `fleet '${this.#target.fleet}' ${what}`)
  }
}

/**
 * Asks a master for its status.
 *
 * @throws {@link ControlError} when it is not running or does not answer
 */
export async function requestStatus(target: Target, timeoutMs = ANSWER_TIMEOUT_MS): Promise<FleetStatus> {
  const connection = await ControlConnection.open(target)
  try {
    connection.send({op: 'status'})
    const answer = await connection.next(timeoutMs)
    if (answer?.ok && answer.op === 'status') return answer.status
    const why = answer === undefined ? 'closed the connection' : answer.ok ? `sent ${answer.op}` : answer.error
    throw new ControlError('no-answer', target, `fleet '${target.fleet}' did not answer status on ${target.socket}: ${why}`)
  } finally {
    connection.close()
  }
}

function connectError(target: Target, error: NodeJS.ErrnoException): Error {
  const {fleet, socket} = target
  switch (error.code) {
    case 'ENOENT':
      return new ControlError('absent', target, `fleet '${fleet}' is not running (no control socket at ${socket})`)
    case 'ECONNREFUSED':
      return new ControlError('stale', target, `fleet '${fleet}' is not running (stale control socket at ${socket}: nothing listens on it)`)
    case 'EACCES':
    case 'EPERM':
      return new ControlError('denied', target, `cannot reach fleet '${fleet}': permission denied on ${socket} (it runs as another user?)`)
    default:
      return new ControlError('no-answer', target, `cannot reach fleet '${fleet}' on ${socket}: ${error.message}`)
  }
}
