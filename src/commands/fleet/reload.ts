import * as Args from '@oclif/core/args'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {locateFleet} from '../../control/fleet-paths.js'
import {reloadFleet, type ReloadReport} from '../../control/reload-fleet.js'
import {ExitCode} from '../../exit-codes.js'

/** `decnet fleet reload NAME`: a running fleet's workers reload their configuration without restarting. */
export default class FleetReload extends DecnetCommand {
  static override args = {name: Args.string({description: 'The running fleet to reload.', required: true})}
  static override description = `Asks the fleet's master over its control socket (as SIGHUP to the master does) to have every worker reload its configuration without restarting. The ttp worker of heavy reloads its rules (the shipped pack and the operator's directory) and the rule state (decnet rules disable|enable|cap|expire), checked as decnet rules check checks them: a rule set with an error (a file that is not JSON, a rule that would be refused, a rule state that cannot be used) is refused, and the worker keeps running the rules it had; its log says which (decnet fleet logs NAME: "ttp | rules reloaded: ..." or "ttp | rules reload refused: ..."). Workers that have nothing to reload ignore it.

When no control socket answers, the pid in the fleet's pid file (written by --daemon) gets SIGHUP instead, if it is a decnet fleet master. Root also finds a fleet that its systemd unit runs (decnet fleet unit), in /run/decnet-NAME.

Exit codes: 0 asked, ${ExitCode.NOT_FOUND} the fleet is not running.`

  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> <%= command.id %> heavy',
    '<%= config.bin %> rules disable discovery.system-info && <%= config.bin %> <%= command.id %> heavy --json',
    'kill -HUP "$(cat /run/decnet/heavy.pid)"',
  ]

  static override summary = "Have a running fleet's workers reload their rules and settings without restarting."

  async run(): Promise<ReloadReport> {
    const {args} = await this.parse(FleetReload)
    const report = await reloadFleet(locateFleet(args.name, {dataDir: this.config.dataDir}))
    const asked = report.workers === undefined ? 'SIGHUP sent (no control socket answered)' : `asked ${report.workers.length === 0 ? 'no worker (none is running)' : report.workers.join(', ')}`
    this.log(`fleet ${args.name} (pid ${report.pid}): reload ${asked}; each worker says what came of it in its log: decnet fleet logs ${args.name}`)
    return report
  }
}
