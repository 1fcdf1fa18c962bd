import type {FleetStatus} from '../prefork/fleet-status.js'
import type {Supervisor} from '../prefork/supervisor.js'
import type {FleetPaths} from './fleet-paths.js'

import {ControlServer} from './control-server.js'
import {processMemory} from './process-memory.js'

/**
 * A status with the memory of the master and of every worker process read
 * from /proc (at the moment of the request: the master never polls).
 */
export async function withMemory(status: FleetStatus): Promise<FleetStatus> {
  const [master, ...workers] = await Promise.all([
    processMemory(status.master.pid),
    ...status.workers.map((worker) => (worker.pid === null ? null : processMemory(worker.pid))),
  ])
  return {
    ...status,
    master: {...status.master, memory: master},
    workers: status.workers.map((worker, index) => ({...worker, memory: workers[index]})),
  }
}

/**
 * Opens the control socket of a running supervisor: `status` answers its
 * snapshot plus memory, `stop` stops it gracefully (a second `stop`: at once),
 * `reload` asks its workers to reload their configuration.
 *
 * @throws SocketInUseError when another master of the same fleet answers on the socket
 *
 * @example
 * ```ts
 * const control = await openControl(paths, supervisor)
 * const outcome = await supervisor.run()
 * await control.close(outcome)
 * ```
 */
export function openControl(paths: FleetPaths, supervisor: Pick<Supervisor, 'reload' | 'snapshot' | 'stop'>): Promise<ControlServer> {
  return ControlServer.listen(paths, {
    reload: () => ({workers: supervisor.reload('requested over the control socket')}),
    status: () => withMemory(supervisor.snapshot()),
    stop() {
      supervisor.stop('stop requested over the control socket')
      return {graceMs: supervisor.snapshot().graceMs}
    },
  })
}
