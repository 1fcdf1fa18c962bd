import * as Args from '@oclif/core/args'

import type {FleetStatus} from '../../prefork/fleet-status.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {requestStatus} from '../../control/control-client.js'
import {clientRuntimeDirectories, locateFleet} from '../../control/fleet-paths.js'
import {formatStatus} from '../../control/format-status.js'
import {runningFleets} from '../../control/running-fleets.js'
import {ExitCode} from '../../exit-codes.js'

/** `decnet fleet status [NAME]`: what running fleets are doing, asked over their control sockets. */
export default class FleetStatusCommand extends DecnetCommand {
  static override args = {name: Args.string({description: 'One fleet; default: every running fleet.'})}
  static override description = `Asks the master of each running fleet (foreground or --daemon) over its control socket: the master's pid and uptime and, per worker, its pid, state (starting, ready, backing off, hung, stopping, stopped), uptime, restart count, last exit (exit code or signal, and why: crashed, hung, killed after grace, ...), when it restarts if it is backing off, and its memory (RSS and USS, from /proc/PID/smaps_rollup).

Control sockets live in the runtime directory: /run/decnet as root, else $XDG_RUNTIME_DIR/decnet, else <%= config.dataDir %>/run ($DECNET_RUNTIME_DIR overrides); root also looks in /run/decnet-NAME, where a fleet's systemd unit (decnet fleet unit) keeps them. Only their owner (and root) can use them. A fleet that is not running (no socket, or a stale one) exits ${ExitCode.NOT_FOUND}.

--json prints the status object for NAME, or an array of them without NAME.`
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> heavy --json']
  static override summary = 'Show the master, workers, restarts and memory of running fleets.'

  async run(): Promise<FleetStatus | FleetStatus[]> {
    const {args} = await this.parse(FleetStatusCommand)
    const context = {dataDir: this.config.dataDir}
    if (args.name !== undefined) {
      const status = await requestStatus(locateFleet(args.name, context))
      this.log(formatStatus(status))
      return status
    }

    const dirs = clientRuntimeDirectories(context)
    const {fleets, unreachable} = await runningFleets(dirs)
    for (const fleet of unreachable) this.warn(fleet.reason)
    if (fleets.length === 0) this.log(`no fleet is running (no control socket answers in ${dirs.join(', ')})`)
    else this.log(fleets.map((status) => formatStatus(status)).join('\n\n'))
    return fleets
  }
}
