import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {locateFleet} from '../../control/fleet-paths.js'
import {stopFleet, type StopReport} from '../../control/stop-fleet.js'
import {ExitCode} from '../../exit-codes.js'
import {millisecondsFlag} from '../../cli/seconds.js'

/** `decnet fleet stop NAME`: graceful stop of a running fleet, waiting until its master is gone. */
export default class FleetStop extends DecnetCommand {
  static override args = {name: Args.string({description: 'The running fleet to stop.', required: true})}
  static override description = `Asks the fleet's master over its control socket to stop, exactly as SIGTERM would: every worker gets SIGTERM and the fleet's grace period, then whatever is left is killed. Waits until the master has exited and says how the fleet ended (cleanly, or which workers had to be killed after the grace period). Running it again while the fleet is stopping kills the remaining workers at once.

When no control socket answers, the pid in the fleet's pid file (written by --daemon) gets SIGTERM instead, if it is a decnet fleet master. Root also finds a fleet that its systemd unit runs (decnet fleet unit), in /run/decnet-NAME; systemctl stop is the usual way to stop that one.

Exit codes: 0 stopped (even if workers had to be killed), ${ExitCode.NOT_FOUND} the fleet is not running, ${ExitCode.TIMEOUT} the master was still there after --timeout.`
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> <%= command.id %> heavy', '<%= config.bin %> <%= command.id %> heavy --timeout 60']
  static override flags = {
    timeout: Flags.string({helpValue: 'SECONDS', summary: "How long to wait for the master to exit. Default: the fleet's grace period + 10 s."}),
  }
  static override summary = 'Stop a running fleet gracefully and wait until it is gone.'

  async run(): Promise<StopReport> {
    const {args, flags} = await this.parse(FleetStop)
    const timeoutMs = millisecondsFlag('--timeout', flags.timeout)
    const report = await stopFleet(locateFleet(args.name, {dataDir: this.config.dataDir}), timeoutMs)

    const how = report.via === 'socket' ? '' : ` (SIGTERM to pid ${report.pid}: no control socket answered)`
    const known = report.reason !== undefined
    const clean = known && report.killed.length === 0 && (report.code ?? 0) === 0 ? ' cleanly' : ''
    const reason = known
      ? `: ${report.reason.replace(/; had to SIGKILL: .*$/, '')}`
      : ` (its master did not say how the fleet ended: see decnet fleet logs ${args.name})`
    const killed = report.killed.length > 0 ? `; had to kill (SIGKILL): ${report.killed.join(', ')}` : ''
    this.log(`fleet ${args.name} (pid ${report.pid}) stopped${clean}${how}${reason}${killed}`)
    return report
  }
}
