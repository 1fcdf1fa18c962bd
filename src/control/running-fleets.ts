import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import type {FleetStatus} from '../prefork/fleet-status.js'

import {ControlError, requestStatus} from './control-client.js'
import {fleetOfSocket} from './fleet-paths.js'

/** A control socket that did not answer, and why. */
export interface UnreachableFleet {
  readonly fleet: string
  readonly socket: string
  readonly reason: string
}

/**
 * Asks every control socket in the runtime directories for its fleet's status.
 * A socket that vanished meanwhile is skipped; one that does not answer
 * (stale, or its master is stuck) is listed with the reason.
 *
 * @example
 * ```ts
 * const {fleets, unreachable} = await runningFleets(clientRuntimeDirectories({dataDir}))
 * ```
 */
export async function runningFleets(runtimeDirs: string | readonly string[]): Promise<{fleets: FleetStatus[]; unreachable: UnreachableFleet[]}> {
  const lists = await Promise.all((typeof runtimeDirs === 'string' ? [runtimeDirs] : runtimeDirs).map((dir) => socketsIn(dir)))
  const targets = lists.flat()
  const answers = await Promise.allSettled(targets.map((target) => requestStatus(target)))
  const fleets: FleetStatus[] = []
  const unreachable: UnreachableFleet[] = []
  for (const [index, answer] of answers.entries()) {
    if (answer.status === 'fulfilled') fleets.push(answer.value)
    else if (!(answer.reason instanceof ControlError && answer.reason.kind === 'absent')) {
      unreachable.push({...targets[index], reason: (answer.reason as Error).message})
    }
  }

  return {fleets: fleets.sort((a, b) => a.fleet.localeCompare(b.fleet)), unreachable}
}

/** The control sockets in `runtimeDir` (none when it does not exist). */
async function socketsIn(runtimeDir: string): Promise<{fleet: string; socket: string}[]> {
  let names: string[]
  try {
    names = await readdir(runtimeDir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // Absent, or (a unit directory of another user's, seen by a non-root caller) closed: nothing to ask there.
    if (code === 'ENOENT' || code === 'EACCES') return []
    throw error
  }

  return names.flatMap((name) => {
    const fleet = fleetOfSocket(name)
    return fleet === undefined ? [] : [{fleet, socket: join(runtimeDir, name)}]
  })
}
