/**
 * `decnet fleet stop`: ask a master to stop, wait until it is gone, and say
 * how its fleet ended.
 */
import type {FleetPaths} from './fleet-paths.js'

import {ControlConnection, ControlError} from './control-client.js'
import {scanLines} from './log-file.js'
import {inspectPidFile, isRunning} from './pid-file.js'

/** How long to wait for a master stopped by SIGTERM (its grace period is unknown then). */
export const SIGNAL_STOP_TIMEOUT_MS = 30_000

/** Over the socket, the wait is the fleet's grace period plus this. */
const MARGIN_MS = 10_000

/** How often to look whether the master process is gone (no event tells another process's death). */
const POLL_MS = 20

/** How a fleet was stopped. */
export interface StopReport {
  readonly fleet: string
  /** The master's pid. */
  readonly pid: number
  /** Asked over the control socket, or SIGTERM to the pid in the pid file (no socket answered). */
  readonly via: 'signal' | 'socket'
  /** The master's exit code, when known (over the socket). */
  readonly code?: number
  /** Why the fleet stopped, as the master said it (over the socket, or its last log line). */
  readonly reason?: string
  /** Workers SIGKILLed because they did not stop within the grace period. */
  readonly killed: readonly string[]
}

/** The master did not exit in time; it may still be stopping. */
export class StopTimeoutError extends Error {
  readonly pid: number

  constructor(fleet: string, pid: number, timeoutMs: number) {
    super(
      `fleet '${fleet}' (pid ${pid}) did not stop within ${timeoutMs / 1000} s; it is still running ` +
        `(run decnet fleet stop ${fleet} again to kill its workers at once)`,
    )
    this.name = 'StopTimeoutError'
    this.pid = pid
  }
}

/**
 * Stops a fleet gracefully and waits for its master to exit: over the control
 * socket, or, when none answers, by SIGTERM to the pid in its pid file.
 *
 * @param timeoutMs - how long to wait; default: the fleet's grace period + 10 s (30 s after a SIGTERM)
 * @throws {@link ControlError} (`notRunning`) when the fleet is not running at all
 * @throws {@link StopTimeoutError} when the master is still there after the timeout
 */
export async function stopFleet(paths: FleetPaths, timeoutMs?: number): Promise<StopReport> {
  let connection: ControlConnection
  try {
    connection = await ControlConnection.open(paths)
  } catch (error) {
    if (error instanceof ControlError && error.notRunning) return stopBySignal(paths, error, timeoutMs ?? SIGNAL_STOP_TIMEOUT_MS)
    throw error
  }

  try {
    connection.send({op: 'stop'})
    const ack = await connection.next()
    if (!ack?.ok || ack.op !== 'stop') {
      const why = ack === undefined ? 'it closed the connection' : ack.ok ? `it answered ${ack.op}` : ack.error
      throw new ControlError('no-answer', paths, `fleet '${paths.fleet}' did not accept the stop request: ${why}`)
    }

    const wait = timeoutMs ?? ack.graceMs + MARGIN_MS
    const deadline = Date.now() + wait
    const end = await connection.next(wait).catch((error: unknown) => {
      if (error instanceof ControlError && error.kind === 'no-answer') throw new StopTimeoutError(paths.fleet, ack.pid, wait)
      throw error
    })
    if (!(await gone(ack.pid, deadline))) throw new StopTimeoutError(paths.fleet, ack.pid, wait)
    const outcome = end?.ok && end.op === 'stopped' ? end.outcome : undefined
    return {code: outcome?.code, fleet: paths.fleet, killed: outcome?.killed ?? [], pid: ack.pid, reason: outcome?.reason, via: 'socket'}
  } finally {
    connection.close()
  }
}

async function stopBySignal(paths: FleetPaths, noSocket: ControlError, timeoutMs: number): Promise<StopReport> {
  const found = inspectPidFile(paths.pidFile, paths.fleet)
  if (found.state !== 'running') {
    const pidFile = found.state === 'absent' ? `no pid file at ${paths.pidFile}` : `stale pid file ${paths.pidFile}: ${found.why}`
    throw new ControlError(noSocket.kind, paths, `${noSocket.message}; ${pidFile}`)
  }

  process.kill(found.pid, 'SIGTERM')
  if (!(await gone(found.pid, Date.now() + timeoutMs))) throw new StopTimeoutError(paths.fleet, found.pid, timeoutMs)
  const reason = await lastStopLine(paths)
  const killed = reason?.match(/; had to SIGKILL: (.+)$/)?.[1].split(', ') ?? []
  return {fleet: paths.fleet, killed, pid: found.pid, reason, via: 'signal'}
}

/** Resolves true once `pid` is gone (a zombie counts as gone), false at `deadline`. */
async function gone(pid: number, deadline: number): Promise<boolean> {
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }

  return true
}

/** The reason in the last `[decnet] fleet NAME stopped: REASON` line of the fleet's log. */
async function lastStopLine(paths: FleetPaths): Promise<string | undefined> {
  const prefix = `[decnet] fleet ${paths.fleet} stopped: `
  let reason: string | undefined
  try {
    await scanLines(paths.logFile, 0, Number.MAX_SAFE_INTEGER, (line) => {
      if (line.startsWith(prefix)) reason = line.slice(prefix.length)
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }

  return reason
}
