import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parseWebhookUrl} from '../../alerts/webhook-url.js'
import {DecnetCommand} from '../../cli/decnet-command.js'
import {settingsSandboxPaths} from '../../cli/fleet-settings.js'
import {checkedGeoDatabases, unreadableByOthers} from '../../cli/unit-geo-databases.js'
import {parseDatabaseUrl} from '../../db/url.js'
import {ExitCode} from '../../exit-codes.js'
import {describeProblem} from '../../fleets/format-catalog.js'
import {findFleet, loadFleetCatalog} from '../../fleets/registry.js'
import {maxMemoryFlag} from '../../cli/max-memory-flag.js'
import {FlagValueError, millisecondsFlag} from '../../cli/seconds.js'
import {buildFleetUnit, documentationUris, environmentFile, localFleet, localRuntime, missingGroups, resolveUnitAccount} from '../../systemd/index.js'

/** `decnet fleet unit NAME`: print a systemd service unit that grants the fleet its privilege profile and nothing more. */
export default class FleetUnit extends DecnetCommand {
  static override args = {name: Args.string({description: 'The fleet (see `decnet fleet list`).', required: true})}
  static override description = `The unit runs \`decnet fleet NAME\` under systemd with exactly the fleet's privilege profile: no capabilities and no extra groups for 'database'; the docker group for 'docker'; CAP_NET_BIND_SERVICE only for 'net-bind' (collect-bind); CAP_NET_RAW only for 'net-raw'; root, lightly hardened, for 'root'. Everything else is locked down (read-only system, no home directories, private /tmp and /dev, no new privileges, kernel protections).

Without --user the service gets a dynamic user of its own (DynamicUser=yes) and a state directory /var/lib/decnet-NAME holding the default SQLite database. Put secrets (a PostgreSQL password) in ${environmentFile('NAME')} (root-only), never in --db: the unit file is world-readable. Stopping sends SIGTERM to the master, which stops its workers within --grace; systemd waits --grace plus 5 s.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> heavy > /etc/systemd/system/decnet-heavy.service',
    '<%= config.bin %> <%= command.id %> heavy --user decnet --grace 30 --output /etc/systemd/system/',
    '<%= config.bin %> <%= command.id %> heavy --max-memory 512 > /etc/systemd/system/decnet-heavy.service',
    '<%= config.bin %> <%= command.id %> heavy --db postgres://decnet@db.example/decnet',
    '<%= config.bin %> <%= command.id %> heavy --geoip-db /var/lib/GeoIP/GeoLite2-Country.mmdb --asn-db /var/lib/GeoIP/GeoLite2-ASN.mmdb',
    '<%= config.bin %> <%= command.id %> collect --user decnet > /etc/systemd/system/decnet-collect.service',
    '<%= config.bin %> <%= command.id %> heavy --webhook https://hooks.example/decnet --webhook-secret-file /etc/decnet/webhook.secret',
    '<%= config.bin %> <%= command.id %> heavy --webhook https://soc.internal/decnet --webhook-secret-file /etc/decnet/webhook.secret --webhook-ca /etc/decnet/soc-ca.pem',
  ]
  static override flags = {
    'asn-db': Flags.string({helpValue: 'FILE', summary: 'Passed to `decnet fleet NAME --asn-db` (heavy: each attacker\'s AS); the service may read the file.'}),
    db: Flags.string({helpValue: 'URL', summary: 'Database for the service (no password); default: SQLite in its state directory.'}),
    'geoip-db': Flags.string({helpValue: 'FILE', summary: 'Passed to `decnet fleet NAME --geoip-db` (heavy: each attacker\'s country); the service may read the file.'}),
    'max-memory': maxMemoryFlag('Passed to `decnet fleet NAME --max-memory`: restart a worker whose RSS exceeds this many MiB (no MemoryMax=).'),
    grace: Flags.string({default: '15', helpValue: 'SECONDS', summary: 'How long workers get to stop after SIGTERM (TimeoutStopSec is this + 5).'}),
    output: Flags.string({char: 'o', helpValue: 'FILE', summary: 'Write the unit to FILE (or DIR/decnet-NAME.service) instead of stdout.'}),
    user: Flags.string({helpValue: 'NAME', summary: 'Run as this existing user and its primary group instead of a dynamic user.'}),
    webhook: Flags.string({helpValue: 'URL', summary: 'heavy: passed to `decnet fleet heavy --webhook` (no credentials in it: the unit is world-readable).'}),
    'webhook-secret-file': Flags.string({helpValue: 'FILE', summary: 'With --webhook: the signing secret, given to the service by LoadCredential= (systemd reads it as root).'}),
    'webhook-ca': Flags.string({helpValue: 'FILE', summary: "With an https:// --webhook: the receiver's CA certificates (PEM), given to the service by LoadCredential= and passed to --webhook-ca."}),
  }
  static override summary = 'Print a hardened systemd service unit for a fleet.'

  /** Returns the unit's text. */
  async run(): Promise<string> {
    const {args, flags} = await this.parse(FleetUnit)
    const graceMs = millisecondsFlag('--grace', flags.grace) ?? 15_000
    const database = flags.db === undefined ? undefined : parseDatabaseUrl(flags.db)
    for (const name of ['webhook-secret-file', 'webhook-ca'] as const) {
      if (flags[name] !== undefined && flags.webhook === undefined) throw new FlagValueError(`--${name}`, `\`--${name}\` needs --webhook URL`)
    }

    const webhook = flags.webhook === undefined ? undefined : {caFile: flags['webhook-ca'], secretFile: flags['webhook-secret-file'], url: parseWebhookUrl(flags.webhook, '--webhook')}
    const geoDatabases = await checkedGeoDatabases(flags)
    const catalog = await loadFleetCatalog(this.config)
    for (const problem of catalog.problems) this.warn(describeProblem(problem))
    const fleet = findFleet(catalog, args.name)
    const unit = buildFleetUnit({
      account: flags.user === undefined ? undefined : resolveUnitAccount(flags.user, fleet),
      database,
      documentation: documentationUris(this.config),
      fleet: localFleet(fleet),
      geoDatabases,
      graceMs,
      maxMemoryMb: flags['max-memory'],
      runtime: localRuntime(this.config),
      settingsPaths: settingsSandboxPaths(fleet, this.config.dataDir),
      webhook,
    })
    for (const warning of [...unit.warnings, ...unreadableByOthers(geoDatabases, flags.user)]) this.warn(warning)
    for (const group of missingGroups(fleet)) {
      this.warn(`group '${group}' does not exist here: the service will not start until it does (SupplementaryGroups=${group})`)
    }

    if (flags.output === undefined) {
      this.log(unit.text.replace(/\n$/, ''))
      return unit.text
    }

    const file = isDirectory(flags.output) ? join(flags.output, unit.fileName) : flags.output
    try {
      writeFileSync(file, unit.text, {mode: 0o644})
    } catch (error) {
      this.error(`cannot write ${file}: ${(error as Error).message}`, {exit: ExitCode.FAILURE})
    }

    this.logToStderr(`wrote ${file}`)
    return unit.text
  }
}

/** Whether `path` is an existing directory (nothing there yet: it names the file to create). */
function isDirectory(path: string): boolean {
  return statSync(path, {throwIfNoEntry: false})?.isDirectory() === true
}
