import {resolve} from 'node:path'

import type {FleetCatalog, JsonObject} from '../fleets/types.js'
import type {FleetIo} from './fleet-io.js'

import {chooseDatabase} from '../db/database-choice.js'
import {currentAccount} from '../db/sqlite-access.js'
import {ExitCode} from '../exit-codes.js'
import {describeProblem} from '../fleets/format-catalog.js'
import {findFleet} from '../fleets/registry.js'
import {withWorkerOptions} from '../fleets/with-worker-options.js'
import {readCredentials} from '../prefork/credentials.js'
import {planPrivileges} from '../prefork/privilege-plan.js'
import {Supervisor} from '../prefork/supervisor.js'
import {catalogEnv} from '../ttp/catalog-store.js'
import {ruleStateEnv, ruleStatePath, ruleStateReadProblem} from '../ttp/rule-state-path.js'
import {launcherNotifier, runDaemonized, serveFleet} from './fleet-daemon.js'
import {prepareFleetDatabase} from './fleet-database.js'
import {fleetTiming} from './fleet-run-flags.js'
import {fleetSettingsOptions} from './fleet-settings.js'
import {type FleetWebhookFlags, fleetWebhook} from './fleet-webhook.js'

/** The flags of `decnet fleet NAME` once parsed (src/cli/fleet-flags.ts defines them); a boolean not given is undefined, as oclif leaves it. */
export interface FleetRunFlags extends FleetWebhookFlags {
  readonly 'allow-root'?: boolean
  readonly 'asn-db'?: string
  readonly 'geoip-db'?: string
  readonly daemon?: boolean
  readonly 'daemon-child'?: boolean
  readonly db?: string
  readonly follow?: readonly string[]
  readonly grace?: string
  readonly interval?: string
  readonly listen?: readonly string[]
  readonly 'max-backoff'?: string
  readonly 'max-memory'?: number
  readonly once?: boolean
  readonly 'ready-timeout': string
  readonly user?: string
  readonly watchdog?: string
}

/**
 * `decnet fleet NAME` once its flags are parsed: launches the daemon
 * (`--daemon`), or checks privileges and the database and runs the fleet
 * until it stops, then exits with its code. The oclif command and the lean
 * path of bin/run.js both call this, so they behave the same.
 *
 * @throws the library errors of src/cli/error-exits.ts (privileges, flags, database URL, registry, daemon launch).
 */
export async function runFleet(io: FleetIo, name: string, flags: FleetRunFlags): Promise<void> {
  const {intervalSeconds, ...durations} = fleetTiming(flags)
  const database = chooseDatabase({dataDir: io.dataDir, flag: flags.db})
  if (flags.daemon) return runDaemonized(io, name, flags['ready-timeout'])

  // the webhook's URL and secret are checked (exit 14) before anything starts; without one the sender is left out
  const {fleet, notice} = fleetWebhook(findFleet(await fleetCatalog(io), name), flags)
  const creds = readCredentials()
  const plan = planPrivileges({allowRoot: flags['allow-root'], creds, fleet, user: flags.user})
  // a fleet's settings (collect's files and listeners) are read and checked once, here, before anything is spawned
  const settings = fleetSettingsOptions(fleet, flags, io.dataDir, creds)
  for (const warning of [...database.warnings, ...settings.warnings]) await io.warn(warning)
  await checkGeoFiles(flags)
  // Workers that open the database would crash-loop on one they cannot use: refuse before spawning.
  const unusable = prepareFleetDatabase(fleet, database, plan.user ?? currentAccount())
  if (unusable) io.error(unusable, {exit: ExitCode.DATABASE})
  if (plan.warning) io.logToStderr(`\n!!! WARNING: ${plan.warning}\n`)
  if (notice !== undefined) io.logToStderr(notice)
  // the workers read the operator's rule state themselves: say so now if their user cannot
  const unreadable = plan.user === undefined ? undefined : ruleStateReadProblem(ruleStatePath(io.dataDir), plan.user)
  if (unreadable) await io.warn(`${unreadable}: workers that read the rule state (ttp) will run the rules as their files define them; move it (DECNET_RULE_STATE names the file) where that user can read it`)
  const supervisor = new Supervisor({
    ...durations,
    allowRoot: plan.allowRoot,
    database: database.target,
    // an ATT&CK catalog imported with `decnet attack import` reaches the workers (src/ttp/catalog-store.ts),
    // and so does the operator's rule state (`decnet rules disable|enable|cap|expire`, src/ttp/rule-state-path.ts)
    env: {...catalogEnv(io.dataDir), ...ruleStateEnv(io.dataDir)},
    fleet: withWorkerOptions(fleet, {...settings.options, ...workerOverrides(flags, intervalSeconds)}),
    gid: plan.user?.gid,
    maxMemoryMb: flags['max-memory'],
    once: flags.once,
    onReady: flags['daemon-child'] ? await launcherNotifier() : undefined,
    uid: plan.user?.uid,
  })
  // SIGTERM/SIGINT stop the fleet; so does `decnet fleet stop` over the control socket.
  const outcome = await serveFleet(io, supervisor, flags['daemon-child'] === true)
  // The supervisor has printed the outcome ("[decnet] fleet NAME stopped: reason"); exit
  // explicitly, so that nothing a plugin left running keeps the master alive.
  io.exit(outcome.code)
}

/** The worker options the command line sets (workers may start in another directory: paths are made absolute). */
function workerOverrides(flags: FleetRunFlags, intervalSeconds: number | undefined): JsonObject {
  const overrides: JsonObject = {}
  if (intervalSeconds !== undefined) overrides.interval = intervalSeconds
  if (flags['geoip-db'] !== undefined) overrides.geoipDb = resolve(flags['geoip-db'])
  if (flags['asn-db'] !== undefined) overrides.asnDb = resolve(flags['asn-db'])
  return overrides
}

/**
 * Reads the GeoIP and ASN files the flags name, as the profiler will, so a
 * wrong file is refused before anything starts (not by a worker that crashes
 * and restarts). Loaded only when a flag names one: the master stays lean.
 *
 * @throws GeoDatabaseError naming the file and what was expected.
 */
async function checkGeoFiles(flags: FleetRunFlags): Promise<void> {
  if (flags['geoip-db'] === undefined && flags['asn-db'] === undefined) return
  const {GeoLookup} = await import('../enrich/geo-lookup.js')
  await GeoLookup.open({asn: flags['asn-db'], geoip: flags['geoip-db']})
}

/** Every plugin's fleets; a broken plugin or fleet is a warning. */
export async function fleetCatalog(io: FleetIo): Promise<FleetCatalog> {
  const catalog = await io.catalog()
  for (const problem of catalog.problems) await io.warn(describeProblem(problem))
  return catalog
}
