/**
 * The systemd service unit of a fleet: a pure function of the fleet, the
 * flags and where node and decnet live. The unit grants the fleet's
 * privilege profile and nothing more (see {@link PROFILE_SANDBOX}).
 */
import {createHash} from 'node:crypto'
import {dirname} from 'node:path'

import type {DatabaseTarget} from '../db/url.js'
import type {ResolvedFleet} from '../fleets/types.js'

import {RUNTIME_DIR_ENV, unitRuntimeDirectory} from '../control/fleet-paths.js'
import {ExitCode} from '../exit-codes.js'
import {databaseSetting} from './database-setting.js'
import {FleetUnitError} from './fleet-unit-error.js'
import {PROFILE_SANDBOX} from './profile-sandbox.js'
import {type SandboxMounts, sandboxMounts} from './sandbox-paths.js'
import {environmentFile, unitBaseName} from './unit-names.js'
import {accountName, environmentValue, escapeSpecifiers, execLine, oneLine} from './unit-syntax.js'
import {type UnitWebhook, webhookUnitPart} from './webhook-unit.js'

/** Seconds systemd waits beyond `--grace` before it SIGKILLs what is left: the master's own shutdown, reaping, flushing. */
export const STOP_MARGIN_SECONDS = 5

/** Seconds between a crashed master and its restart. */
export const RESTART_DELAY_SECONDS = 5

/** Exits that will not fix themselves, with what they mean: systemd does not restart the service after them. */
export const NO_RESTART_EXITS: readonly (readonly [number, string])[] = Object.freeze([
  [ExitCode.USAGE, 'usage'],
  [ExitCode.PRIVILEGE_REFUSED, 'privilege refused'],
  [ExitCode.WORKER_BOOT_FAILED, 'a worker could not boot'],
  [ExitCode.PRIVILEGE_EXCEEDED, 'a worker held more privilege than its profile'],
] as const)

/** A static account the service runs as (`--user`): its name and the name (or id) of its primary group. */
export interface UnitAccount {
  readonly user: string
  readonly group: string
}

/** Where things live on the machine the unit is for. All paths absolute. */
export interface UnitRuntime {
  /** The node binary (`process.execPath`). */
  readonly node: string
  /** decnet's `bin/run.js`. */
  readonly entry: string
  /** decnet's package root. */
  readonly packageRoot: string
  /** decnet's data directory (linked and installed plugins); pinned so the service sees the fleets the operator sees. */
  readonly dataDir: string
  /** decnet's version, for the header comment. */
  readonly version?: string
}

/** The inputs of {@link buildFleetUnit}. */
export interface FleetUnitInput {
  readonly fleet: Pick<ResolvedFleet, 'description' | 'name' | 'plugin' | 'pluginRoot' | 'profile' | 'workers'>
  /** `--grace` in milliseconds. */
  readonly graceMs: number
  /**
   * `--max-memory` in MiB: passed on to `decnet fleet NAME --max-memory`, the
   * per-worker restart limit decnet enforces. Not a `MemoryMax=` (that would
   * cap the whole service, master and all workers, and let the kernel kill
   * in it). Absent: the fleet definition's own limits, if any.
   */
  readonly maxMemoryMb?: number
  /** `--user`; absent: a dynamic user of the unit's own (non-root profiles), root (profile `root`). */
  readonly account?: UnitAccount
  /** `--db`; absent: a SQLite file in the unit's state directory. */
  readonly database?: DatabaseTarget
  readonly runtime: UnitRuntime
  /** `Documentation=` URIs. */
  readonly documentation?: readonly string[]
  /**
   * What the fleet's settings name on the host (collect: the followed files'
   * directories and the TLS files, read when present; the spool directory,
   * written): the sandbox lets the service reach them.
   */
  readonly settingsPaths?: {readonly read: readonly SandboxPath[]; readonly write: readonly SandboxPath[]}
  /** `--webhook` (and `--webhook-secret-file`): the fleet's alerts (see `webhookUnitPart`). */
  readonly webhook?: UnitWebhook
  /**
   * `--geoip-db` / `--asn-db` (absolute paths): passed on to `decnet fleet NAME`
   * (heavy's profiler reads them), and readable inside the sandbox.
   */
  readonly geoDatabases?: GeoDatabasePaths
}

/** The MaxMind-format files a fleet's profiler enriches attackers from. */
export interface GeoDatabasePaths {
  readonly geoip?: string
  readonly asn?: string
}

/** A path the service needs, and what it is (for messages). */
export interface SandboxPath {
  readonly path: string
  readonly what: string
}

/** A unit, ready to write to `/etc/systemd/system/<fileName>`. */
export interface FleetUnit {
  /** `decnet-NAME.service`. */
  readonly fileName: string
  readonly text: string
  /** Things the operator should know (the unit is still usable). */
  readonly warnings: readonly string[]
}

type Line = readonly [string, string] | string

/**
 * Builds the unit.
 *
 * @throws {@link FleetUnitError} when the inputs cannot make a safe unit: `--user` for a root fleet,
 * a password in the database URL, a SQLite file a dynamic user could not write, an unusable path.
 *
 * @example
 * ```ts
 * const unit = buildFleetUnit({fleet, graceMs: 15_000, runtime: {node: process.execPath, entry, packageRoot, dataDir}})
 * writeFileSync(`/etc/systemd/system/${unit.fileName}`, unit.text)
 * ```
 */
export function buildFleetUnit(input: FleetUnitInput): FleetUnit {
  const {account, fleet, graceMs, runtime} = input
  if (!/^[a-z][a-z0-9-]*$/.test(fleet.name)) throw new FleetUnitError(`fleet name ${JSON.stringify(fleet.name)} cannot name a unit`)
  if (fleet.profile === 'root' && account) throw new FleetUnitError(`fleet '${fleet.name}' needs root: --user would take it away`)
  const base = unitBaseName(fleet.name)
  const stateDir = `/var/lib/${base}`
  const db = databaseSetting(input.database, {dynamicUser: !account && fleet.profile !== 'root', fleet: fleet.name, root: fleet.profile === 'root', stateDir})
  const graceSeconds = graceMs / 1000
  const {maxMemoryMb} = input
  if (maxMemoryMb !== undefined && !(Number.isSafeInteger(maxMemoryMb) && maxMemoryMb >= 1)) {
    throw new FleetUnitError(`Expected \`--max-memory\` to be a positive whole number of MiB, got \`${maxMemoryMb}\``)
  }

  const exec = [runtime.node, runtime.entry, 'fleet', fleet.name, '--grace', String(graceSeconds)]
  if (maxMemoryMb !== undefined) exec.push('--max-memory', String(maxMemoryMb))
  const geo = input.geoDatabases ?? {}
  if (geo.geoip !== undefined) exec.push('--geoip-db', geo.geoip)
  if (geo.asn !== undefined) exec.push('--asn-db', geo.asn)

  const mounts = fleet.profile === 'root' ? undefined : sandboxMounts(needs(input, db.write))
  const webhook = input.webhook === undefined ? undefined : webhookUnitPart(fleet, input.webhook)
  const service: Line[] = [
    'Type=exec: `systemctl start` fails when node cannot be executed. The master runs in the foreground.',
    ['Type', 'exec'],
    ['ExecStart', execLine(exec) + (webhook?.exec ?? '')],
    ...(webhook?.lines ?? []),
    'systemctl reload: SIGHUP to the master, which has its workers reload their configuration (the ttp worker: its rules and rule state).',
    ['ExecReload', '/bin/kill -HUP $MAINPID'],
    ...memoryLimitLines(maxMemoryMb),
    ['Environment', db.environment],
    ['Environment', environmentValue('DECNET_DATA_DIR', runtime.dataDir)],
    `Secrets (a database password) go in this root-only file, never in this world-readable unit; it overrides Environment=.`,
    ['EnvironmentFile', `-${escapeSpecifiers(environmentFile(fleet.name))}`],
    ['StateDirectory', base],
    ['StateDirectoryMode', '0700'],
    `The control socket (decnet fleet status/stop): a directory of the service's own, created by systemd`,
    `(the file system is read-only to it) and removed when it stops; root's decnet finds it there.`,
    ['RuntimeDirectory', base],
    ['RuntimeDirectoryMode', '0700'],
    ['Environment', environmentValue(RUNTIME_DIR_ENV, unitRuntimeDirectory(fleet.name))],
    ['SyslogIdentifier', base],
    '',
    `Stopping: SIGTERM to the master only; it stops its workers within --grace (${graceSeconds} s), SIGKILLs`,
    `the stragglers and exits. If it is not done ${STOP_MARGIN_SECONDS} s after that, systemd SIGKILLs everything left.`,
    ['KillMode', 'mixed'],
    ['KillSignal', 'SIGTERM'],
    ['TimeoutStopSec', `${Math.ceil(graceSeconds) + STOP_MARGIN_SECONDS}s`],
    'A master that dies is restarted, but not after an exit that will not fix itself:',
    `${NO_RESTART_EXITS.map(([code, meaning]) => `${code} ${meaning}`).join(', ')}.`,
    ['Restart', 'on-failure'],
    ['RestartSec', `${RESTART_DELAY_SECONDS}s`],
    ['RestartPreventExitStatus', NO_RESTART_EXITS.map(([code]) => code).join(' ')],
    '',
    ...privilegeLines(input, base),
    '',
    ...(mounts ? sandboxLines(mounts) : rootHardening()),
  ]

  const text = render(
    [
      `decnet fleet '${fleet.name}' (profile '${fleet.profile}', plugin ${oneLine(fleet.plugin)}), generated by decnet ${runtime.version ?? ''}`.trimEnd(),
      `Install: write it to /etc/systemd/system/${base}.service, then systemctl daemon-reload && systemctl enable --now ${base}`,
    ],
    [
      [
        'Unit',
        [
          ['Description', `decnet fleet ${fleet.name}: ${oneLine(fleet.description)}`],
          ...(input.documentation ?? []).map((uri): Line => ['Documentation', escapeSpecifiers(uri)]),
          ['Wants', 'network-online.target'],
          ['After', 'network-online.target'],
        ],
      ],
      ['Service', service],
      ['Install', [['WantedBy', 'multi-user.target']]],
    ],
  )
  const warnings = [...db.warnings, ...(mounts?.warnings ?? []), ...(webhook?.warnings ?? [])]
  if (account?.user === 'nobody') {
    warnings.push("user 'nobody' is shared with every other service and NFS's squashed files (systemd calls it unsafe): prefer a user of decnet's own, or leave --user out for a dynamic user")
  }

  return {fileName: `${base}.service`, text, warnings}
}

/** Comments on `--max-memory` in ExecStart, when it is there: what it limits, and why no `MemoryMax=`. */
function memoryLimitLines(maxMemoryMb: number | undefined): Line[] {
  if (maxMemoryMb === undefined) return []
  return [
    `--max-memory: decnet restarts any one worker whose RSS exceeds ${maxMemoryMb} MiB (SIGTERM, --grace, SIGKILL).`,
    'No MemoryMax=: that would cap the master and all workers together, and the kernel would kill inside the cap.',
  ]
}

/** Who the service runs as, and the profile's capabilities and groups. */
function privilegeLines(input: FleetUnitInput, base: string): Line[] {
  const {account, fleet} = input
  const sandbox = PROFILE_SANDBOX[fleet.profile]
  const lines: Line[] = [sandbox.why]
  if (fleet.profile === 'root') return [...lines, 'Runs as root: no User=, no capability restriction.']
  if (account) {
    lines.push(['User', accountName(account.user, '--user')], ['Group', accountName(account.group, 'group')])
  } else {
    lines.push(
      'A user of its own, allocated at start and shared with no other fleet (another fleet could otherwise',
      "ptrace this one's workers, or read their database). Its state directory holds the SQLite database.",
      ['DynamicUser', 'yes'],
      ['User', dynamicUserName(base)],
      ['Group', dynamicUserName(base)],
    )
  }

  const caps = (sandbox.capabilities ?? []).join(' ')
  lines.push(['CapabilityBoundingSet', caps], ['AmbientCapabilities', caps])
  for (const group of sandbox.supplementaryGroups) lines.push(['SupplementaryGroups', group])
  lines.push(['RestrictAddressFamilies', (sandbox.addressFamilies ?? []).join(' ')])
  return lines
}

function sandboxLines(mounts: SandboxMounts): Line[] {
  return [
    'Sandbox: the whole file system read-only but the state directory, no home directories, a private',
    '/tmp and /dev, no setuid, no kernel tunables, modules, logs or clock, no namespaces, native syscalls only.',
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', mounts.protectHome],
    ...mounts.directives,
    ['PrivateTmp', 'yes'],
    ['PrivateDevices', 'yes'],
    ['PrivateMounts', 'yes'],
    ['ProtectProc', 'invisible'],
    ['RestrictSUIDSGID', 'yes'],
    ['ProtectKernelTunables', 'yes'],
    ['ProtectKernelModules', 'yes'],
    ['ProtectKernelLogs', 'yes'],
    ['ProtectControlGroups', 'yes'],
    ['ProtectClock', 'yes'],
    ['ProtectHostname', 'yes'],
    ['LockPersonality', 'yes'],
    ['RestrictRealtime', 'yes'],
    ['RestrictNamespaces', 'yes'],
    ['SystemCallArchitectures', 'native'],
    ['UMask', '0077'],
    'No MemoryDenyWriteExecute=yes: V8 compiles JavaScript to machine code at run time (its JIT),',
    'which needs memory that is writable and then executable: under that setting node aborts.',
  ]
}

/** For a root fleet: only what cannot take anything from a root task. */
function rootHardening(): Line[] {
  return [
    'Hardening that no root task needs to be without: no new privileges via setuid, a private /tmp,',
    'a fixed personality, native syscalls only, private files by default.',
    ['NoNewPrivileges', 'yes'],
    ['PrivateTmp', 'yes'],
    ['LockPersonality', 'yes'],
    ['SystemCallArchitectures', 'native'],
    ['UMask', '0077'],
  ]
}

function needs(input: FleetUnitInput, write: readonly string[]) {
  const {fleet, runtime} = input
  return {
    read: [
      {path: runtime.node, what: 'node'},
      {path: runtime.packageRoot, what: 'decnet'},
      {path: fleet.pluginRoot, what: `plugin ${fleet.plugin}`},
      ...fleet.workers.map((w) => ({path: dirname(w.modulePath), what: `worker ${w.name}`})),
      ...geoNeeds(input.geoDatabases),
    ],
    readIfPresent: [{path: runtime.dataDir, what: "decnet's data directory"}, ...(input.settingsPaths?.read ?? [])],
    write: [...write.map((path) => ({path, what: 'the SQLite database directory'})), ...(input.settingsPaths?.write ?? [])],
  }
}

/** The GeoIP and ASN files the service reads (each the file itself: nothing else of its directory). */
function geoNeeds(geo: GeoDatabasePaths | undefined): SandboxPath[] {
  const needs: SandboxPath[] = []
  if (geo?.geoip !== undefined) needs.push({path: geo.geoip, what: 'the GeoIP database (--geoip-db)'})
  if (geo?.asn !== undefined) needs.push({path: geo.asn, what: 'the ASN database (--asn-db)'})
  return needs
}

/** `decnet-NAME`, or, past the 31 characters of a user name, a prefix and a hash (distinct per fleet). */
function dynamicUserName(base: string): string {
  if (base.length <= 31) return base
  return `${base.slice(0, 24)}-${createHash('sha256').update(base).digest('hex').slice(0, 6)}`
}

function render(header: readonly string[], sections: readonly (readonly [string, readonly Line[]])[]): string {
  const out = header.map((line) => `# ${line}`)
  for (const [name, lines] of sections) {
    out.push('', `[${name}]`)
    for (const line of lines) out.push(typeof line === 'string' ? (line === '' ? '' : `# ${line}`) : `${line[0]}=${line[1]}`)
  }

  return `${out.join('\n')}\n`
}
