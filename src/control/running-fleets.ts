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
 * Asks every control socket in the runtime directory for its fleet's status.
 * A socket that vanished meanwhile is skipped; one that does not answer
 * (stale, or its master is stuck) is listed with the reason.
 *
 * @example
 * ```ts
 * const {fleets, unreachable} = await runningFleets(runtimeDirectory({dataDir}))
 * ```
 */
export async function runningFleets(runtimeDir: string): Promise<{fleets: FleetStatus[]; unreachable: UnreachableFleet[]}> {
  let names: string[]
  try {
    names = await readdir(runtimeDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {fleets: [], unreachable: []}
    throw error
  }

  const targets = names.flatMap((name) => {
    const fleet = fleetOfSocket(name)
    return fleet === undefined ? [] : [{fleet, socket: join(runtimeDir, name)}]
  })
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
