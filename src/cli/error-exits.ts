/**
 * The one table from library errors to exit codes. Library code throws typed
 * errors; only commands turn them into exit codes, and they all do it here
 * (through {@link DecnetCommand}, or {@link exitFor} directly).
 *
 * The table is keyed by the error's class name and imports the classes as
 * types only: importing them for real would load their modules (the control
 * client, the daemon launcher, the systemd unit builder...) into every
 * command, the fleet master included, which must load as little as possible
 * before it forks (see docs/benchmarks.md). test/cli/error-exits.test.js
 * proves that each name matches its class.
 */
import type {ControlError} from '../control/control-client.js'
import type {DaemonStartError} from '../control/launch-daemon.js'
import type {PrivilegeError} from '../prefork/privilege-plan.js'

import {ExitCode} from '../exit-codes.js'

/** What a command does with an error: exit with `exit` (an `ExitCode`, or the code a daemon exited with), printing `message` (default: the error's) and `suggestions`. */
export interface ErrorExit {
  readonly exit: number
  readonly message?: string
  readonly suggestions?: readonly string[]
}

type Rule<E extends Error = Error> = (error: E) => ErrorExit

const usage: Rule = () => ({exit: ExitCode.USAGE})

const PRIVILEGE_EXIT = {insufficient: ExitCode.FAILURE, refused: ExitCode.PRIVILEGE_REFUSED, usage: ExitCode.USAGE} as const

/**
 * Error class name → what it exits with. A subclass not listed here takes
 * its nearest listed ancestor's rule (`UnusableFleetError` is an
 * `UnknownFleetError`).
 */
export const ERROR_EXITS: Readonly<Record<string, Rule<never>>> = Object.freeze({
  // attackers/: `decnet attackers show IP` for an address never profiled
  UnknownAttackerError: () => ({
    exit: ExitCode.NOT_FOUND,
    suggestions: ['list known attackers with `decnet attackers`', 'new lines appear after the profiler runs: `decnet fleet heavy --once`'],
  }),
  // control/: a running fleet's socket, pid file and daemon launch
  AlreadyRunningError: () => ({exit: ExitCode.ALREADY_RUNNING}),
  // `absent` and `stale` mean the fleet is not running; a master that refuses or fails to answer is a failure.
  ControlError: ((error: ControlError) => ({exit: error.notRunning ? ExitCode.NOT_FOUND : ExitCode.FAILURE})) satisfies Rule<ControlError>,
  // The daemon's own exit code (or TIMEOUT when it was not ready in time).
  DaemonStartError: ((error: DaemonStartError) => ({exit: error.exitCode})) satisfies Rule<DaemonStartError>,
  SocketInUseError: () => ({exit: ExitCode.ALREADY_RUNNING}),
  StopTimeoutError: () => ({exit: ExitCode.TIMEOUT}),
  UnsafeFileError: () => ({exit: ExitCode.FAILURE}),
  // db/: a database that cannot be opened, reached, migrated or written; a malformed URL
  DatabaseError: () => ({exit: ExitCode.DATABASE}),
  DatabaseUrlError: usage,
  // export/: `decnet export --output FILE` where no export may be written (a symbolic link, a directory, a missing directory)
  ExportOutputError: () => ({exit: ExitCode.FAILURE, suggestions: ['name a regular file in an existing directory, or leave out --output to write to standard output']}),
  // enrich/: a GeoIP or ASN database file that cannot be used
  GeoDatabaseError: () => ({exit: ExitCode.INPUT_UNREADABLE, suggestions: ['give a MaxMind-format file: --geoip-db a country or city database, --asn-db an ASN database (GeoLite2 or DB-IP)']}),
  // ingest/: the receiver's spool directory is unusable (a symbolic link, another owner, in use, a planted segment)
  SpoolError: () => ({exit: ExitCode.FAILURE}),
  // fleets/: the registry
  UnknownFleetError: usage,
  UnusableFleetError: () => ({exit: ExitCode.USAGE, suggestions: ['decnet fleet list says what is wrong with each fleet']}),
  // prefork/: privilege checked before anything is spawned
  PrivilegeError: ((error: PrivilegeError) => ({exit: PRIVILEGE_EXIT[error.kind]})) satisfies Rule<PrivilegeError>,
  // ttp/: the ATT&CK catalog in use is broken (a bad install or a damaged import); a bundle given to `attack import` is not one
  CatalogError: () => ({exit: ExitCode.FAILURE, suggestions: ['`decnet attack import FILE` installs a good catalog; removing attack/ in the data directory returns to the shipped one']}),
  StixBundleError: usage,
  RuleInputError: usage,
  CountingRuleInputError: () => ({exit: ExitCode.USAGE, suggestions: ['give the counting rule DECNET log lines (several on standard input, -); decnet rules show ID says what it counts']}),
  // ttp/: `decnet rules disable|enable|cap|expire`: a bad value, an unknown rule, a state file that cannot be used
  RuleStateValueError: usage,
  UnknownRuleError: () => ({exit: ExitCode.NOT_FOUND, suggestions: ['decnet rules list shows the rules that load (--rules-dir for an operator directory)']}),
  RuleStateError: () => ({exit: ExitCode.INPUT_UNREADABLE, suggestions: ['fix or remove the rule state file; decnet rules check says what is wrong with it']}),
  // flags and the systemd unit builder: the operator's mistakes
  FlagValueError: usage,
  FleetUnitError: usage,
  // ingest/collect/: the collect settings file, or a setting, cannot be used
  CollectSettingsError: usage,
  // alerts/: `--webhook`'s URL, its signing secret, or its CA file cannot be used
  WebhookSettingsError: () => ({exit: ExitCode.WEBHOOK, suggestions: ['docs/webhooks.md: an http:// or https:// URL; the secret in a file (--webhook-secret-file) or $DECNET_WEBHOOK_SECRET; --webhook-ca: CA certificates in PEM']}),
})

/**
 * What a command exits with for `error`, from {@link ERROR_EXITS}; undefined
 * when the error is not one the table knows (let it propagate: a bug, or
 * oclif's own error that already carries its exit code).
 *
 * @example
 * ```ts
 * exitFor(new UnknownFleetError('nope', ['heavy'])) // {exit: 2}
 * ```
 */
export function exitFor(error: unknown): ErrorExit | undefined {
  if (!(error instanceof Error)) return undefined
  for (let proto = prototypeOf(error); proto !== null && proto !== Error.prototype; proto = prototypeOf(proto)) {
    const {name} = proto.constructor
    const rule = Object.hasOwn(ERROR_EXITS, name) ? (ERROR_EXITS[name] as Rule) : undefined
    if (rule) return rule(error)
  }

  return undefined
}

function prototypeOf(value: object): {constructor: {name: string}} | null {
  return Object.getPrototypeOf(value) as {constructor: {name: string}} | null
}
