import {readFileSync} from 'node:fs'
import {dirname} from 'node:path'

import type {JsonObject, ResolvedFleet} from '../fleets/types.js'
import type {SandboxPath} from '../systemd/index.js'

import {collectSettingsPath, listenersOf, readCollectSettings, type CollectSettings} from '../ingest/collect/collect-settings.js'
import {profileCapabilities, type Credentials} from '../prefork/credentials.js'
import {PrivilegeError} from '../prefork/privilege-plan.js'
import {FlagValueError} from './seconds.js'

/** The command line's overrides of a fleet's settings (`decnet fleet collect --follow FILE --listen ADDRESS`). */
export interface FleetSettingsFlags {
  readonly follow?: readonly string[]
  readonly listen?: readonly string[]
}

/** What a fleet's workers get from its settings, and what the operator should hear about them. */
export interface FleetSettingsOptions {
  /** Merged into every worker's options (`{settings: {...}}`); empty for a fleet that takes no settings. */
  readonly options: JsonObject
  readonly warnings: readonly string[]
}

/**
 * Reads the settings a fleet takes (`settings: 'collect'`: `<data
 * dir>/collect.json` with `--follow`/`--listen` over its lists), before
 * anything is spawned, so that a bad file is an error naming it, not a
 * worker that cannot boot. Warns about listeners that another fleet serves
 * (`collect` serves ports from 1024, `collect-bind` those below).
 *
 * @throws CollectSettingsError (the file or a setting), FlagValueError (`--follow`/`--listen` for a fleet without settings).
 */
export function fleetSettingsOptions(fleet: ResolvedFleet, flags: FleetSettingsFlags, dataDir: string, creds?: Credentials): FleetSettingsOptions {
  if (fleet.settings === undefined) {
    const given = (['follow', 'listen'] as const).find((name) => flags[name] !== undefined)
    if (given) throw new FlagValueError(`--${given}`, `\`--${given}\` is a collect setting: fleet '${fleet.name}' takes no settings (try decnet fleet collect)`)
    return {options: {}, warnings: []}
  }

  const {settings} = readCollectSettings(collectSettingsPath(dataDir), flags)
  if (creds !== undefined) cannotBind(fleet, settings, creds)
  return {options: {settings: toJson(settings)}, warnings: elsewhere(fleet, settings)}
}

/**
 * A `net-bind` fleet started by a user who holds no CAP_NET_BIND_SERVICE
 * (not root, not its systemd unit) would have its receiver fail to bind,
 * restart and fail again: refuse before spawning, saying how to run it.
 *
 * @throws PrivilegeError (`insufficient`)
 */
function cannotBind(fleet: ResolvedFleet, settings: CollectSettings, creds: Credentials): void {
  if (fleet.profile !== 'net-bind' || creds.euid === 0 || (creds.capEff & profileCapabilities('net-bind')) !== 0n) return
  const start = unprivilegedPortStart()
  const low = listenersOf(settings, 'privileged').filter((listener) => listener.port < start)
  if (low.length === 0) return
  throw new PrivilegeError(
    'insufficient',
    `fleet '${fleet.name}' listens on ${low.map((l) => l.text).join(', ')}, below port ${start}, which needs CAP_NET_BIND_SERVICE, ` +
      `and decnet runs as uid ${creds.euid} without it: run it as root with --user NAME (its workers keep that capability alone), ` +
      `or under its unit (decnet fleet unit ${fleet.name})`,
  )
}

/** The first port any user may bind (`net.ipv4.ip_unprivileged_port_start`; 1024 where it cannot be read). */
function unprivilegedPortStart(): number {
  try {
    const value = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim())
    return Number.isInteger(value) && value >= 0 ? value : 1024
  } catch {
    // no procfs (or not Linux): the classic rule
    return 1024
  }
}

/** Listeners and files this fleet does not serve, and who does. */
function elsewhere(fleet: ResolvedFleet, settings: CollectSettings): string[] {
  const bind = fleet.profile === 'net-bind'
  const others = listenersOf(settings, bind ? 'unprivileged' : 'privileged').map((listener) => listener.text)
  const warnings: string[] = []
  if (others.length > 0 && !bind) {
    warnings.push(`${others.join(', ')}: a port below 1024 needs CAP_NET_BIND_SERVICE, which fleet '${fleet.name}' does not hold: fleet collect-bind (profile net-bind) listens there; run it too (decnet fleet collect-bind)`)
  } else if (others.length > 0) {
    warnings.push(`${others.join(', ')}: fleet collect listens there (ports from 1024 need no privilege)`)
  }

  if (bind && settings.follow.length > 0) warnings.push(`fleet '${fleet.name}' follows no files: fleet collect does (${settings.follow.length} in the settings)`)
  return warnings
}

function toJson(settings: CollectSettings): JsonObject {
  return JSON.parse(JSON.stringify(settings)) as JsonObject
}

/**
 * What a fleet's unit must let it reach of what its settings name (collect:
 * each followed file's directory, which `tail -F` watches for rotations, and
 * the TLS files, read; the spool directory, written); undefined for a fleet
 * without settings.
 *
 * @throws CollectSettingsError when the settings file cannot be used.
 */
export function settingsSandboxPaths(fleet: ResolvedFleet, dataDir: string): undefined | {read: SandboxPath[]; write: SandboxPath[]} {
  if (fleet.settings === undefined) return undefined
  const {settings} = readCollectSettings(collectSettingsPath(dataDir))
  const read: SandboxPath[] = [...new Set(settings.follow.map((file) => dirname(file)))].map((path) => ({path, what: 'a followed file\'s directory'}))
  if (settings.tls) read.push(...(['cert', 'key', 'ca'] as const).map((what) => ({path: settings.tls![what], what: `the TLS ${what}`})))
  const write = settings.spool === null ? [] : [{path: settings.spool.directory, what: 'the spool directory'}]
  return {read, write}
}
