/**
 * `decnet fleet reload`: ask a running master to have its workers reload
 * their configuration (the ttp worker: its rules and the rule state).
 */
import type {FleetPaths} from './fleet-paths.js'

import {ControlConnection, ControlError} from './control-client.js'
import {inspectPidFile} from './pid-file.js'

/** How a reload was asked. */
export interface ReloadReport {
  readonly fleet: string
  /** The master's pid. */
  readonly pid: number
  /** Asked over the control socket, or SIGHUP to the pid in the pid file (no socket answered). */
  readonly via: 'signal' | 'socket'
  /** The workers asked (over the socket; unknown after a signal). */
  readonly workers?: readonly string[]
}

/**
 * Asks the fleet's master to reload, over its control socket or, when none
 * answers, by SIGHUP to the pid in its pid file. Returns once the master has
 * asked its workers; each worker says in the fleet's log what came of it.
 *
 * @throws {@link ControlError} (`notRunning`) when the fleet is not running; (`no-answer`, `protocol`) when its master does not accept.
 */
export async function reloadFleet(paths: FleetPaths): Promise<ReloadReport> {
  let connection: ControlConnection
  try {
    connection = await ControlConnection.open(paths)
  } catch (error) {
    if (error instanceof ControlError && error.notRunning) return reloadBySignal(paths, error)
    throw error
  }

  try {
    connection.send({op: 'reload'})
    const answer = await connection.next()
    if (answer?.ok && answer.op === 'reload') return {fleet: paths.fleet, pid: answer.pid, via: 'socket', workers: answer.workers}
    const why = answer === undefined ? 'it closed the connection' : answer.ok ? `it answered ${answer.op}` : answer.error
    throw new ControlError('no-answer', paths, `fleet '${paths.fleet}' did not accept the reload request: ${why}`)
  } finally {
    connection.close()
  }
}

function reloadBySignal(paths: FleetPaths, noSocket: ControlError): ReloadReport {
  const found = inspectPidFile(paths.pidFile, paths.fleet)
  if (found.state !== 'running') {
    const pidFile = found.state === 'absent' ? `no pid file at ${paths.pidFile}` : `stale pid file ${paths.pidFile}: ${found.why}`
    throw new ControlError(noSocket.kind, paths, `${noSocket.message}; ${pidFile}`)
  }

  process.kill(found.pid, 'SIGHUP')
  return {fleet: paths.fleet, pid: found.pid, via: 'signal'}
}
