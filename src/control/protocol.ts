/**
 * The control protocol: newline-delimited JSON over a Unix socket. A client
 * sends one request per line; the master answers each with one line.
 *
 * ```
 * > {"op":"status"}
 * < {"ok":true,"op":"status","status":{"fleet":"sample","master":{...},"workers":[...]}}
 * > {"op":"stop"}
 * < {"ok":true,"op":"stop","pid":4242,"graceMs":15000}
 * < {"ok":true,"op":"stopped","outcome":{"code":0,"reason":"stop requested ...","killed":[]}}
 * ```
 *
 * `reload` asks every worker to reload its configuration (the ttp worker:
 * its rules and the rule state); the answer names the workers asked, and
 * each says in the fleet's log what came of it:
 *
 * ```
 * > {"op":"reload"}
 * < {"ok":true,"op":"reload","pid":4242,"workers":["profiler","ttp"]}
 * ```
 *
 * After `stop`, the connection stays open: the master sends `stopped` with
 * the fleet's outcome once every worker is gone, and then exits (the
 * connection closes).
 */
import type {Socket} from 'node:net'

import type {FleetStatus} from '../prefork/fleet-status.js'

/** A request line longer than this is refused (and the connection closed). */
export const MAX_LINE_CHARS = 64 * 1024

/** What a client can ask. */
export type ControlRequest = {readonly op: 'reload'} | {readonly op: 'status'} | {readonly op: 'stop'}

/** How the fleet ended, as sent to clients waiting on a `stop`. */
export interface StopOutcome {
  /** The master's exit code. */
  readonly code: number
  readonly reason: string
  /** Workers SIGKILLed because they did not stop within the grace period (or a second stop came). */
  readonly killed: readonly string[]
}

/** What the master answers. */
export type ControlResponse =
  | {readonly error: string; readonly ok: false}
  | {readonly graceMs: number; readonly ok: true; readonly op: 'stop'; readonly pid: number}
  | {readonly ok: true; readonly op: 'reload'; readonly pid: number; readonly workers: readonly string[]}
  | {readonly ok: true; readonly op: 'status'; readonly status: FleetStatus}
  | {readonly ok: true; readonly op: 'stopped'; readonly outcome: StopOutcome}

/** Reads a request line; throws with a short reason when it is not one. */
export function parseRequest(line: string): ControlRequest {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new Error('request is not JSON')
  }

  const op = (value as {op?: unknown} | null)?.op
  if (op === 'status' || op === 'stop' || op === 'reload') return {op}
  throw new Error(`unknown op ${JSON.stringify(op)}; expected "status", "stop" or "reload"`)
}

/**
 * Calls `onLine` for every complete line arriving on `socket` (without its
 * newline). A line growing past {@link MAX_LINE_CHARS} calls `onOverflow`
 * instead, once, and nothing more is read.
 */
export function readLines(socket: Socket, onLine: (line: string) => void, onOverflow: () => void): void {
  let partial = ''
  let overflowed = false
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    if (overflowed) return
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) if (line.trim() !== '') onLine(line)
    if (partial.length > MAX_LINE_CHARS) {
      overflowed = true
      onOverflow()
    }
  })
}

/** Writes one message as a line. */
export function writeLine(socket: Socket, message: ControlRequest | ControlResponse): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`)
}
