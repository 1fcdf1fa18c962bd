/**
 * The settings of the `collect` fleets: which files to follow, where to
 * listen, the TLS files, the receiver's limits, how often to commit, the
 * spool. They live in one JSON file, `<data dir>/collect.json`; `decnet
 * fleet collect --follow FILE --listen ADDRESS` overrides its lists. Read
 * and checked once by the command (`decnet fleet`, `decnet config show`),
 * then handed to the workers as data (their `settings` option), which check
 * it again with the same function.
 */
import {readFileSync} from 'node:fs'
import {dirname, isAbsolute, join, resolve} from 'node:path'

import {ListenAddressError, parseListenAddress, type ListenAddress} from '../syslog/listen-address.js'

/** Where the receiver may keep lines while the database is away (implemented by the receiver's spool). */
export interface SpoolSettings {
  /** An absolute directory. */
  readonly directory: string
  /** The most bytes it may hold; past it, the receiver stops reading (TCP backpressure). */
  readonly maxBytes: number
}

/** The TLS listener's files: its key and certificate, and the CA its clients' certificates must chain to. */
export interface CollectTlsFiles {
  readonly cert: string
  readonly key: string
  readonly ca: string
}

/** Every setting of the `collect` fleets, defaults filled in. */
export interface CollectSettings {
  /** Files to follow (`tail -F`), absolute. */
  readonly follow: readonly string[]
  /** Listeners, `tcp://`, `tls://` or `udp://` + IP + port. */
  readonly listen: readonly string[]
  /** Required by a `tls://` listener. */
  readonly tls: CollectTlsFiles | null
  /** TCP and TLS connections open at once; more are refused. */
  readonly maxConnections: number
  /** The largest message in bytes (480 to 65536). */
  readonly maxMessageBytes: number
  /** Bytes held over all connections. */
  readonly maxBufferedBytes: number
  /** A connection silent for this long (seconds) is closed. */
  readonly idleTimeoutSeconds: number
  /** Lines read from a file are committed at most this long (seconds) after they were read. */
  readonly flushSeconds: number
  /** The largest batch of lines committed at once from a file. */
  readonly batchSize: number
  /** The receiver's on-disk spool; null: none. */
  readonly spool: SpoolSettings | null
}

/** The names of the settings, in the order they are shown. */
export const COLLECT_SETTING_NAMES = Object.freeze([
  'follow',
  'listen',
  'tls',
  'maxConnections',
  'maxMessageBytes',
  'maxBufferedBytes',
  'idleTimeoutSeconds',
  'flushSeconds',
  'batchSize',
  'spool',
] as const satisfies ReadonlyArray<keyof CollectSettings>)

/** The defaults: nothing followed, nothing listened on; the receiver's and the follower's own limits. */
export const DEFAULT_COLLECT_SETTINGS: CollectSettings = Object.freeze({
  batchSize: 20_000,
  flushSeconds: 1,
  follow: Object.freeze([]),
  idleTimeoutSeconds: 300,
  listen: Object.freeze([]),
  maxBufferedBytes: 64 * 1024 * 1024,
  maxConnections: 256,
  maxMessageBytes: 65_536,
  spool: null,
  tls: null,
})

/** Where a setting's value came from. */
export type SettingOrigin = 'command line' | 'default' | 'file'

/** The settings in force, and where each came from. */
export interface EffectiveCollectSettings {
  /** The settings file (read if it exists). */
  readonly file: string
  readonly fileExists: boolean
  readonly settings: CollectSettings
  readonly origins: Readonly<Record<keyof CollectSettings, SettingOrigin>>
}

/** What the command line overrides (`decnet fleet collect --follow FILE --listen ADDRESS`): it replaces the file's lists. */
export interface CollectOverrides {
  readonly follow?: readonly string[]
  readonly listen?: readonly string[]
}

/** The settings file, or a setting, is not usable; the message names the file (or flag) and the setting. */
export class CollectSettingsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CollectSettingsError'
  }
}

/** The settings file of the `collect` fleets: `<data dir>/collect.json`. */
export function collectSettingsPath(dataDir: string): string {
  return join(dataDir, 'collect.json')
}

/**
 * Reads the settings file (a missing file means every default) and applies
 * the command line's overrides. Relative paths in the file are taken from
 * the file's directory; relative paths on the command line from the current
 * directory.
 *
 * @throws CollectSettingsError naming the file and the setting.
 * @example
 * ```ts
 * const {settings, origins} = readCollectSettings(collectSettingsPath(dataDir), {listen: ['tcp://127.0.0.1:5514']})
 * ```
 */
export function readCollectSettings(file: string, overrides: CollectOverrides = {}): EffectiveCollectSettings {
  let text: string | undefined
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') throw new CollectSettingsError(`cannot read the collect settings ${file}: ${(error as Error).message}`)
  }

  let raw: unknown = {}
  if (text !== undefined) {
    try {
      raw = JSON.parse(text)
    } catch (error) {
      throw new CollectSettingsError(`the collect settings ${file} are not JSON: ${(error as Error).message}`)
    }
  }

  const fromFile = checkCollectSettings(raw, file, dirname(file))
  const given = new Set(Object.keys(raw as object))
  const origins = Object.fromEntries(COLLECT_SETTING_NAMES.map((name) => [name, given.has(name) ? 'file' : 'default'])) as Record<keyof CollectSettings, SettingOrigin>
  const lists: {follow?: string[]; listen?: string[]} = {}
  if (overrides.follow !== undefined) {
    lists.follow = overrides.follow.map((path) => resolve(path))
    origins.follow = 'command line'
  }

  if (overrides.listen !== undefined) {
    lists.listen = overrides.listen.map((text) => listenAddress(text, '`--listen`').text)
    origins.listen = 'command line'
  }

  const settings = Object.freeze({...fromFile, ...lists})
  tlsProblem(settings, overrides.listen === undefined ? file : '`--listen`')
  return Object.freeze({file, fileExists: text !== undefined, origins: Object.freeze(origins), settings})
}

/**
 * Checks settings given as JSON (a settings file's content, or a worker's
 * `settings` option), fills in the defaults and resolves relative paths
 * against `baseDir`.
 *
 * @param where - what to name in a message: the file, or `option settings`.
 * @throws CollectSettingsError naming `where` and the setting.
 */
export function checkCollectSettings(raw: unknown, where: string, baseDir = '/'): CollectSettings {
  if (!isPlainObject(raw)) throw new CollectSettingsError(`${where}: expected a JSON object of settings, got ${kind(raw)}`)
  const unknown = Object.keys(raw).filter((key) => !(COLLECT_SETTING_NAMES as readonly string[]).includes(key))
  if (unknown.length > 0) {
    throw new CollectSettingsError(`${where}: unknown setting ${unknown.map((k) => JSON.stringify(k)).join(', ')}; known: ${COLLECT_SETTING_NAMES.join(', ')}`)
  }

  const d = DEFAULT_COLLECT_SETTINGS
  const at = (name: string) => `${where}: \`${name}\``
  const settings: CollectSettings = Object.freeze({
    batchSize: integer(raw.batchSize, at('batchSize'), 1, 1_000_000) ?? d.batchSize,
    flushSeconds: positive(raw.flushSeconds, at('flushSeconds'), 'seconds') ?? d.flushSeconds,
    follow: Object.freeze(strings(raw.follow, at('follow')).map((path) => (isAbsolute(path) ? path : resolve(baseDir, path)))),
    idleTimeoutSeconds: positive(raw.idleTimeoutSeconds, at('idleTimeoutSeconds'), 'seconds') ?? d.idleTimeoutSeconds,
    listen: Object.freeze(strings(raw.listen, at('listen')).map((text, i) => listenAddress(text, at(`listen[${i}]`)).text)),
    maxBufferedBytes: integer(raw.maxBufferedBytes, at('maxBufferedBytes'), 65_536, 2 ** 40) ?? d.maxBufferedBytes,
    maxConnections: integer(raw.maxConnections, at('maxConnections'), 1, 1_000_000) ?? d.maxConnections,
    maxMessageBytes: integer(raw.maxMessageBytes, at('maxMessageBytes'), 480, 65_536) ?? d.maxMessageBytes,
    spool: spool(raw.spool, at('spool'), baseDir),
    tls: tlsFiles(raw.tls, at('tls'), baseDir),
  })
  tlsProblem(settings, where)
  return settings
}

/** A listener of the settings, parsed. */
export interface CollectListener extends ListenAddress {
  /** As written in the settings (normalised: `tls://0.0.0.0:6514`). */
  readonly text: string
}

/** Which of a fleet's listeners a receiver serves: ports from 1024 (`unprivileged`) or below it (`privileged`, CAP_NET_BIND_SERVICE). */
export type PortGroup = 'privileged' | 'unprivileged'

/** True for a port only root or CAP_NET_BIND_SERVICE may bind (1 to 1023; 0 means any free port). */
export function isPrivilegedPort(port: number): boolean {
  return port > 0 && port < 1024
}

/**
 * The listeners of `group`: the `collect` fleet's receiver serves the
 * unprivileged ones, `collect-bind`'s (profile `net-bind`) the others.
 */
export function listenersOf(settings: CollectSettings, group: PortGroup): CollectListener[] {
  return settings.listen
    .map((text) => listenAddress(text, 'listen'))
    .filter((listener) => isPrivilegedPort(listener.port) === (group === 'privileged'))
}

function listenAddress(text: string, label: string): CollectListener {
  try {
    const address = parseListenAddress(text)
    const host = address.host.includes(':') ? `[${address.host}]` : address.host
    return Object.freeze({...address, text: `${address.protocol}://${host}:${address.port}`})
  } catch (error) {
    if (error instanceof ListenAddressError) {
      throw new CollectSettingsError(`Expected ${label} to be tcp://, tls:// or udp:// then an IP address and an optional port (tls://0.0.0.0:6514), got ${JSON.stringify(text)}`)
    }

    throw error
  }
}

function tlsProblem(settings: CollectSettings, where: string): void {
  if (settings.tls === null && settings.listen.some((text) => text.startsWith('tls://'))) {
    throw new CollectSettingsError(`${where}: a tls:// listener needs \`tls\` ({"cert": FILE, "key": FILE, "ca": FILE}) in the collect settings: clients are verified against the CA`)
  }
}

function strings(value: unknown, label: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw new CollectSettingsError(`Expected ${label} to be an array of non-empty strings, got ${kind(value)}`)
  }

  if (value.length > 1000) throw new CollectSettingsError(`Expected ${label} to hold at most 1000 entries, got ${value.length}`)
  return value as string[]
}

function integer(value: unknown, label: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value
  throw new CollectSettingsError(`Expected ${label} to be a whole number from ${min} to ${max}, got ${kind(value)}`)
}

function positive(value: unknown, label: string, unit: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 86_400) return value
  throw new CollectSettingsError(`Expected ${label} to be a positive number of ${unit} (at most 86400), got ${kind(value)}`)
}

function path(value: unknown, label: string, baseDir: string): string {
  if (typeof value !== 'string' || value === '') throw new CollectSettingsError(`Expected ${label} to be a file path, got ${kind(value)}`)
  return isAbsolute(value) ? value : resolve(baseDir, value)
}

function tlsFiles(value: unknown, label: string, baseDir: string): CollectTlsFiles | null {
  if (value === undefined || value === null) return null
  if (!isPlainObject(value)) throw new CollectSettingsError(`Expected ${label} to be {"cert": FILE, "key": FILE, "ca": FILE}, got ${kind(value)}`)
  const extra = Object.keys(value).filter((key) => !['ca', 'cert', 'key'].includes(key))
  if (extra.length > 0) throw new CollectSettingsError(`${label}: unknown key ${extra.map((k) => JSON.stringify(k)).join(', ')}; expected cert, key and ca`)
  return Object.freeze({ca: path(value.ca, `${label}.ca`, baseDir), cert: path(value.cert, `${label}.cert`, baseDir), key: path(value.key, `${label}.key`, baseDir)})
}

function spool(value: unknown, label: string, baseDir: string): null | SpoolSettings {
  if (value === undefined || value === null) return null
  if (!isPlainObject(value)) throw new CollectSettingsError(`Expected ${label} to be {"directory": DIR, "maxBytes": N}, got ${kind(value)}`)
  const extra = Object.keys(value).filter((key) => !['directory', 'maxBytes'].includes(key))
  if (extra.length > 0) throw new CollectSettingsError(`${label}: unknown key ${extra.map((k) => JSON.stringify(k)).join(', ')}; expected directory and maxBytes`)
  const maxBytes = integer(value.maxBytes, `${label}.maxBytes`, 1024 * 1024, 2 ** 50)
  if (maxBytes === undefined) throw new CollectSettingsError(`Expected ${label}.maxBytes to be a whole number of bytes, got undefined`)
  return Object.freeze({directory: path(value.directory, `${label}.directory`, baseDir), maxBytes})
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A short, safe description of a JSON value for a message. */
function kind(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}
