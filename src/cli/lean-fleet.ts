/**
 * `decnet fleet NAME [FLAGS]` without oclif: bin/run.js tries this first, so
 * the fleet master forks its workers holding decnet's own modules only (oclif's
 * config, parser and plugin loading cost it about 12 MiB and half its start:
 * docs/benchmarks.md). The flags come from oclif.manifest.json
 * (lean-fleet-argv.ts), the plugins from their package.json and manifests
 * (lean-plugins.ts), and the command itself is the oclif command's
 * (run-fleet.ts), so both paths print and exit the same.
 *
 * Anything unusual (help, a flag it cannot read as oclif would, `DEBUG`, a
 * plugin with `init` hooks or without a manifest...) makes it return false
 * before it has done anything, and bin/run.js runs oclif as before.
 */
import {readFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {FleetIo} from './fleet-io.js'

import {type ManifestFlag, parseFleetArgv} from './lean-fleet-argv.js'
import {findLeanPlugins} from './lean-plugins.js'
import {decnetDataDir} from './plugin-list-trust.js'

/** This package's root: dist/cli/ is two levels below it. */
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Options of {@link runLeanFleet}. */
export interface LeanFleetOptions {
  /** What follows `fleet` on the command line. */
  readonly argv: readonly string[]
  /** false when root refused the plugin list (plugin-list-trust.ts): oclif's `userPlugins: false`. */
  readonly userPlugins: boolean
  readonly env?: NodeJS.ProcessEnv
}

/**
 * Runs `decnet fleet NAME` if it can without oclif.
 *
 * @returns false, having done nothing, when oclif must run the command; true once a `--daemon` launch has
 * returned (a foreground fleet, and every error, exit the process as oclif would).
 * @example
 * ```js
 * if (!(await runLeanFleet({argv: process.argv.slice(3), userPlugins: true}))) await execute(...)
 * ```
 */
export async function runLeanFleet(options: LeanFleetOptions): Promise<boolean> {
  const env = options.env ?? process.env
  // DEBUG (and DECNET_DEBUG) must show oclif's own debug lines: the oclif way.
  if (env.DEBUG || env.DECNET_DEBUG) return false
  const manifest = readManifest()
  const command = manifest?.commands?.fleet
  if (command?.flags === undefined) return false
  const parsed = parseFleetArgv(options.argv, command.flags)
  if (parsed === undefined) return false
  // `fleet list` and the other subcommands of this package: no need to read the plugins to know
  if (manifest?.commands?.[`fleet:${parsed.name}`] !== undefined) return false

  const dataDir = decnetDataDir(env)
  const hookConfig = {bin: 'decnet', cacheDir: oclifDir('cache', env), configDir: oclifDir('config', env)}
  const host = findLeanPlugins({dataDir, hookConfig, root: PACKAGE_ROOT, userPlugins: options.userPlugins})
  if (host === undefined) return false
  // `fleet NAME` is another command when some plugin has a `fleet:NAME` (or replaces `fleet`).
  if (host.commandIDs.includes(`fleet:${parsed.name}`)) return false
  if (host.plugins.some((plugin) => plugin.type !== 'root' && plugin.commandIDs.includes('fleet'))) return false

  // oclif's Command removes it before running any command, so that the workers do not inherit it.
  delete env.DECNET_REDIRECTED
  const [{runFleet}, {loadFleetCatalog}] = await Promise.all([import('./run-fleet.js'), import('../fleets/registry.js')])
  const io: FleetIo = {
    catalog: () => loadFleetCatalog(host),
    dataDir,
    error(message, {exit}) {
      throw new LeanCommandError(message, exit)
    },
    exit: (code) => process.exit(code),
    log: (message) => console.log(message),
    logToStderr: (message) => console.error(message),
    async warn(message) {
      // oclif's warning format; loaded only when there is something to warn about
      ;(await import('@oclif/core/errors')).warn(message)
    },
  }
  try {
    await runFleet(io, parsed.name, parsed.flags)
  } catch (error) {
    await handleLike(error)
  }

  return true
}

/** `io.error()`: oclif's `this.error(message, {exit})`. */
class LeanCommandError extends Error {
  readonly exit: number

  constructor(message: string, exit: number) {
    super(message)
    this.exit = exit
  }
}

/** Prints and exits for `error` as DecnetCommand's `catch` and oclif's `handle` do for the command. */
async function handleLike(error: unknown): Promise<never> {
  const [{CLIError, handle}, {exitFor}] = await Promise.all([import('@oclif/core/errors'), import('./error-exits.js')])
  const mapped = error instanceof LeanCommandError ? {exit: error.exit, message: error.message} : exitFor(error)
  const shown = mapped
    ? new CLIError(mapped.message ?? (error as Error).message, {exit: mapped.exit, suggestions: mapped.suggestions && [...mapped.suggestions]})
    : (error as Error)
  process.exitCode ??= (shown as {oclif?: {exit?: number}}).oclif?.exit ?? 1
  await handle(shown)
  // handle() exits; in case it does not:
  process.exit(process.exitCode)
}

interface Manifest {
  version?: string
  commands?: Record<string, {flags?: Record<string, ManifestFlag>}>
}

/** This package's oclif.manifest.json when it matches its package.json (oclif would warn otherwise), else undefined. */
function readManifest(): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'oclif.manifest.json'), 'utf8')) as Manifest
    const {version} = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {version?: string}
    return manifest.version?.split('-')[0] === version?.split('-')[0] ? manifest : undefined
  } catch {
    return undefined
  }
}

/** oclif's cache and config directories on Linux (`DECNET_CACHE_DIR`, else `$XDG_CACHE_HOME/decnet`, else `~/.cache/decnet`). */
function oclifDir(category: 'cache' | 'config', env: NodeJS.ProcessEnv): string {
  const own = env[`DECNET_${category.toUpperCase()}_DIR`]
  if (own) return own
  const base = env[`XDG_${category.toUpperCase()}_HOME`] || join(env.HOME || homedir() || tmpdir(), `.${category}`)
  return join(base, 'decnet')
}
