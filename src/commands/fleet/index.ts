import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {FleetCatalog} from '../../fleets/types.js'

import {fleetTiming, fleetTimingFlags} from '../../cli/fleet-run-flags.js'
import {DecnetCommand} from '../../cli/decnet-command.js'
import {chooseDatabase} from '../../db/database-choice.js'
import {currentAccount} from '../../db/sqlite-access.js'
import {ExitCode} from '../../exit-codes.js'
import {describeProblem, missingFleetMessage} from '../../fleets/format-catalog.js'
import {findFleet, loadFleetCatalog} from '../../fleets/registry.js'
import {withWorkerOptions} from '../../fleets/with-worker-options.js'
import {databaseFlag} from '../../cli/database-command.js'
import {prepareFleetDatabase} from '../../cli/fleet-database.js'
import {daemonFlags, launcherNotifier, runDaemonized, serveFleet} from '../../cli/fleet-daemon.js'
import {maxMemoryFlag} from '../../cli/max-memory-flag.js'
import {readCredentials} from '../../prefork/credentials.js'
import {planPrivileges} from '../../prefork/privilege-plan.js'
import {catalogEnv} from '../../ttp/catalog-store.js'
import {Supervisor} from '../../prefork/supervisor.js'

/** `decnet fleet NAME`: run a fleet until SIGTERM, SIGINT or `decnet fleet stop` (detached with `--daemon`). */
export default class Fleet extends DecnetCommand {
  // Not `required`: without a NAME the command lists the fleets to choose from, instead of oclif's generic error.
  static override args = {name: Args.string({description: 'The fleet to run (see AVAILABLE FLEETS below).'})}
  static override description = `Runs every worker of the fleet in its own process under one master, restarts a worker that fails (exponential backoff), kills one that hangs (watchdog), and stops them all on SIGTERM or SIGINT (a second signal: at once). Prints a line when each worker is ready and one when the whole fleet is.

A fleet whose privilege profile is not 'root' refuses to run as root: run decnet as an unprivileged user, or pass --user NAME (the workers then run as that user and its primary group), or --allow-root. Children get DECNET_DB_URL (--db, else $DECNET_DB_URL, else db/decnet.sqlite in decnet's data directory). Workers that declare usesDatabase are checked before anything starts: a SQLite database their user cannot open is refused (exit 10).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> heavy --user decnet',
    '<%= config.bin %> <%= command.id %> heavy --once --db postgres://decnet@db/decnet --user decnet',
  ]
  static override flags = {
    ...daemonFlags,
    ...fleetTimingFlags,
    'allow-root': Flags.boolean({summary: "Run as root even though the fleet's profile does not need it (warns loudly)."}),
    db: databaseFlag,
    'max-memory': maxMemoryFlag("Restart a worker whose resident memory (RSS) exceeds this many MiB (overrides the fleet's limits)."),
    once: Flags.boolean({summary: 'Every worker does one pass and exits; exit 0 if all succeeded. Nothing restarts.'}),
    user: Flags.string({helpValue: 'NAME', summary: "Run the workers as this user and its primary group (needs root)."}),
  }
  // NAME is optional to oclif (see args), not to the command.
  static override usage = '<%= command.id %> NAME [-d | --once] [FLAGS]'
  static override summary = 'Run a fleet of workers, in the foreground or detached (--daemon).'

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Fleet)
    if (args.name === undefined) {
      this.logToStderr(missingFleetMessage(await this.#catalog()))
      this.exit(ExitCode.USAGE)
    }

    const {intervalSeconds, ...durations} = fleetTiming(flags)
    const database = chooseDatabase({dataDir: this.config.dataDir, flag: flags.db})
    if (flags.daemon) return runDaemonized(this, args.name, flags['ready-timeout'])

    const fleet = findFleet(await this.#catalog(), args.name)
    const plan = planPrivileges({allowRoot: flags['allow-root'], creds: readCredentials(), fleet, user: flags.user})
    for (const warning of database.warnings) this.warn(warning)
    // Workers that open the database would crash-loop on one they cannot use: refuse before spawning.
    const unusable = prepareFleetDatabase(fleet, database, plan.user ?? currentAccount())
    if (unusable) this.error(unusable, {exit: ExitCode.DATABASE})
    if (plan.warning) this.logToStderr(`\n!!! WARNING: ${plan.warning}\n`)
    const supervisor = new Supervisor({
      ...durations,
      allowRoot: plan.allowRoot,
      database: database.target,
      env: catalogEnv(this.config.dataDir),
      fleet: withWorkerOptions(fleet, intervalSeconds === undefined ? {} : {interval: intervalSeconds}),
      gid: plan.user?.gid,
      maxMemoryMb: flags['max-memory'],
      once: flags.once,
      onReady: flags['daemon-child'] ? await launcherNotifier() : undefined,
      uid: plan.user?.uid,
    })
    // SIGTERM/SIGINT stop the fleet; so does `decnet fleet stop` over the control socket.
    const outcome = await serveFleet(this, supervisor, flags['daemon-child'])
    // The supervisor has printed the outcome ("[decnet] fleet NAME stopped: reason"); exit
    // explicitly, so that nothing a plugin left running keeps the master alive.
    this.exit(outcome.code)
  }

  /** Every plugin's fleets; a broken plugin or fleet is a warning. */
  async #catalog(): Promise<FleetCatalog> {
    const catalog = await loadFleetCatalog(this.config)
    for (const problem of catalog.problems) this.warn(describeProblem(problem))
    return catalog
  }
}
