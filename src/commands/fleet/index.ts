import * as Args from '@oclif/core/args'

import type {FleetIo} from '../../cli/fleet-io.js'

import {DecnetCommand} from '../../cli/decnet-command.js'
import {fleetFlags} from '../../cli/fleet-flags.js'
import {fleetCatalog, runFleet} from '../../cli/run-fleet.js'
import {ExitCode} from '../../exit-codes.js'
import {missingFleetMessage} from '../../fleets/format-catalog.js'
import {loadFleetCatalog} from '../../fleets/registry.js'

/**
 * `decnet fleet NAME`: run a fleet until SIGTERM, SIGINT or `decnet fleet stop` (detached with `--daemon`).
 * bin/run.js usually runs it without oclif (src/cli/lean-fleet.ts); this command is the path for
 * help, a missing NAME, and every argv the lean path leaves to oclif.
 */
export default class Fleet extends DecnetCommand {
  // Not `required`: without a NAME the command lists the fleets to choose from, instead of oclif's generic error.
  static override args = {name: Args.string({description: 'The fleet to run (see AVAILABLE FLEETS below).'})}
  static override description = `Runs every worker of the fleet in its own process under one master, restarts a worker that fails (exponential backoff), kills one that hangs (watchdog), and stops them all on SIGTERM or SIGINT (a second signal: at once). Prints a line when each worker is ready and one when the whole fleet is.

A fleet whose privilege profile is not 'root' refuses to run as root: run decnet as an unprivileged user, or pass --user NAME (the workers then run as that user and its primary group), or --allow-root. Children get DECNET_DB_URL (--db, else $DECNET_DB_URL, else db/decnet.sqlite in decnet's data directory). Workers that declare usesDatabase are checked before anything starts: a SQLite database their user cannot open is refused (exit 10).

The collect fleets (collect, collect-bind) take their files and listeners from <%= config.dataDir %>/collect.json (decnet config show); --follow and --listen replace its lists.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> heavy --user decnet',
    '<%= config.bin %> <%= command.id %> heavy --once --db postgres://decnet@db/decnet --user decnet',
    '<%= config.bin %> <%= command.id %> collect --follow /var/log/decnet/decnet.log --listen tcp://127.0.0.1:5514',
    '<%= config.bin %> <%= command.id %> heavy --user decnet --webhook https://hooks.example/decnet --webhook-secret-file /etc/decnet/webhook.secret',
    '<%= config.bin %> <%= command.id %> heavy --webhook https://soc.internal/decnet --webhook-secret-file /etc/decnet/webhook.secret --webhook-ca /etc/decnet/soc-ca.pem',
  ]
  static override flags = fleetFlags
  // NAME is optional to oclif (see args), not to the command.
  static override usage = '<%= command.id %> NAME [-d | --once] [FLAGS]'
  static override summary = 'Run a fleet of workers, in the foreground or detached (--daemon).'

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Fleet)
    const io: FleetIo = {
      catalog: () => loadFleetCatalog(this.config),
      dataDir: this.config.dataDir,
      error: (message, options) => this.error(message, options),
      exit: (code) => this.exit(code),
      log: (message) => this.log(message),
      logToStderr: (message) => this.logToStderr(message),
      warn: (message) => {
        this.warn(message)
      },
    }
    if (args.name === undefined) {
      this.logToStderr(missingFleetMessage(await fleetCatalog(io)))
      this.exit(ExitCode.USAGE)
    }

    return runFleet(io, args.name, flags)
  }
}
