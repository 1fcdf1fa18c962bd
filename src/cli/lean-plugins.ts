/**
 * The plugins of decnet found without oclif, for the lean path of `decnet
 * fleet NAME` (src/cli/lean-fleet.ts): the same plugins oclif's `Config.load`
 * finds (this package, its core plugins, the data directory's installed and
 * linked ones), read from their package.json and oclif.manifest.json, and a
 * `decnet:fleets` hook run that works like oclif's `Config.runHook`.
 *
 * Whatever this reader is not sure oclif would read the same way gives
 * `undefined`, and the command goes the oclif way: a plugin with hooks that
 * run during every command (`init`, `prerun`...), one with commands but no
 * manifest, nested plugins, glob patterns in `oclif.plugins`, a manifest of
 * another version, any file it cannot read. test/cli/lean-plugins.test.ts pins
 * it to oclif's own answer.
 *
 * Where it cannot be oclif: a hook's `this.config` and `options.config` hold
 * only {@link LeanHookConfig}'s fields (README: writing a plugin), and its
 * `this.warn` prints oclif's `Warning:` line without oclif's line wrapping.
 *
 * Imports node builtins only: it runs in the fleet master before it forks.
 */
import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {basename, dirname, extname, join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

import type {FleetHookHost, FleetHookPlugin, FleetHookRun} from '../fleets/run-fleet-hooks.js'

/** Hook events that never fire while `decnet fleet NAME` runs (anything else sends it the oclif way). */
const QUIET_EVENTS = /^(?:decnet:fleets|update|plugins:[\w-]+)$/

/** One hook file of a plugin, as oclif normalizes it. */
export interface LeanHook {
  readonly identifier: string
  readonly target: string
}

/** A plugin found without oclif. */
export interface LeanPlugin extends FleetHookPlugin {
  readonly hooks: {readonly [event: string]: readonly LeanHook[]}
  readonly type: 'core' | 'link' | 'user' | 'root'
  /** Its command ids and aliases, from its manifest. */
  readonly commandIDs: readonly string[]
  /** `module` when its package.json says `"type": "module"`. */
  readonly moduleType: 'commonjs' | 'module'
}

/** What the hook's `this` and options hold as `config` on the lean path: the common fields of oclif's Config. */
export interface LeanHookConfig {
  readonly bin: string
  readonly cacheDir: string
  readonly configDir: string
  readonly dataDir: string
  readonly name: string
  readonly root: string
  readonly version: string
}

/** Options of {@link findLeanPlugins}. */
export interface LeanPluginsOptions {
  /** This package's root (where its package.json is). */
  readonly root: string
  /** decnet's data directory: its package.json lists the user's plugins. */
  readonly dataDir: string
  /** false when root refused the plugin list (src/cli/plugin-list-trust.ts): only this package and its core plugins. */
  readonly userPlugins: boolean
  /** Passed to hooks as `config` (oclif passes its whole Config). */
  readonly hookConfig: Omit<LeanHookConfig, 'name' | 'root' | 'version' | 'dataDir'>
}

interface PackageJson {
  name?: unknown
  version?: unknown
  type?: unknown
  dependencies?: Record<string, string>
  oclif?: {hooks?: Record<string, unknown>; plugins?: unknown; commands?: unknown; devPlugins?: unknown}
}

/** A reason this reader gives up; caught by {@link findLeanPlugins}, which then returns undefined. */
class NotLean extends Error {}

/**
 * The plugins oclif would load, in a host the registry can run the
 * `decnet:fleets` hook in; undefined when oclif must find them itself.
 *
 * @example
 * ```ts
 * const host = findLeanPlugins({root, dataDir, userPlugins: refusal === undefined, hookConfig})
 * if (host) catalog = await loadFleetCatalog(host)
 * ```
 */
export function findLeanPlugins(options: LeanPluginsOptions): (FleetHookHost & {readonly plugins: readonly LeanPlugin[]}) | undefined {
  try {
    return leanHost(options)
  } catch (error) {
    if (error instanceof NotLean || isFileError(error)) return undefined
    throw error
  }
}

function leanHost(options: LeanPluginsOptions): FleetHookHost & {readonly plugins: readonly LeanPlugin[]} {
  const rootDir = resolve(options.root)
  const rootPjson = readJson<PackageJson>(join(rootDir, 'package.json'))
  if (rootPjson.oclif?.devPlugins !== undefined && process.env.NODE_ENV === 'development') throw new NotLean('dev plugins')
  const root = plugin(rootDir, rootPjson, 'root')
  const plugins = new Map<string, LeanPlugin>([[root.name, root]])
  const add = (found: LeanPlugin) => {
    if (plugins.has(found.name)) throw new NotLean(`two plugins named ${found.name}`)
    plugins.set(found.name, found)
  }

  if (options.userPlugins) {
    const userPjsonPath = join(options.dataDir, 'package.json')
    const listed = existsSync(userPjsonPath) ? readJson<PackageJson>(userPjsonPath).oclif?.plugins ?? [] : []
    if (!Array.isArray(listed)) throw new NotLean('oclif.plugins of the data directory is not a list')
    for (const type of ['user', 'link'] as const) {
      for (const entry of listed as Array<{name?: unknown; root?: unknown; type?: unknown}>) {
        if (entry?.type !== type) continue
        if (typeof entry.name !== 'string') throw new NotLean('a listed plugin without a name')
        if (plugins.has(entry.name)) continue
        const dir = type === 'link' && typeof entry.root === 'string' ? entry.root : findPluginRoot(entry.name, userPjsonPath)
        add(plugin(dir, readJson<PackageJson>(join(dir, 'package.json')), type))
      }
    }
  }

  for (const name of corePluginNames(rootPjson)) {
    if (plugins.has(name)) continue
    const dir = findPluginRoot(name, rootDir)
    add(plugin(dir, readJson<PackageJson>(join(dir, 'package.json')), 'core'))
  }

  const list = [...plugins.values()]
  const hookConfig: LeanHookConfig = {...options.hookConfig, dataDir: options.dataDir, name: root.name, root: root.root, version: String(rootPjson.version)}
  return {
    commandIDs: list.flatMap((p) => p.commandIDs),
    getPluginsList: () => list,
    name: root.name,
    plugins: list,
    runHook: (event, hookOptions, timeoutMs) => runLeanHook(list, event, {...hookOptions, config: hookConfig}, timeoutMs),
  }
}

/** Reads one plugin the way oclif's `Plugin.load` does, or gives up. */
function plugin(root: string, pjson: PackageJson, type: LeanPlugin['type']): LeanPlugin {
  if (typeof pjson.name !== 'string' || pjson.name === '') throw new NotLean(`no name in ${root}/package.json`)
  const oclif = pjson.oclif ?? {}
  if (type !== 'root' && oclif.plugins !== undefined) throw new NotLean(`${pjson.name} has plugins of its own`)
  const hooks: Record<string, LeanHook[]> = {}
  for (const [event, value] of Object.entries(oclif.hooks ?? {})) {
    if (!QUIET_EVENTS.test(event)) throw new NotLean(`${pjson.name} has a hook for ${event}`)
    hooks[event] = (Array.isArray(value) ? value : [value]).map((hook) => normalizeHook(hook, pjson.name as string))
  }

  return {
    commandIDs: manifestCommandIDs(root, pjson, type),
    hooks,
    moduleType: pjson.type === 'module' ? 'module' : 'commonjs',
    name: pjson.name,
    root,
    type,
  }
}

function normalizeHook(hook: unknown, plugin: string): LeanHook {
  if (typeof hook === 'string') return {identifier: 'default', target: hook}
  const {identifier, target} = (hook ?? {}) as {identifier?: unknown; target?: unknown}
  if (typeof identifier === 'string' && typeof target === 'string') return {identifier, target}
  throw new NotLean(`${plugin} declares a hook oclif would read differently`)
}

/** The ids and aliases of a plugin's commands, from its manifest (none when it declares no commands). */
function manifestCommandIDs(root: string, pjson: PackageJson, type: LeanPlugin['type']): string[] {
  const file = [join(root, 'oclif.manifest.json'), join(root, '.oclif.manifest.json')].find((path) => existsSync(path))
  if (file === undefined) {
    if (pjson.oclif?.commands === undefined && type !== 'root') return []
    throw new NotLean(`${String(pjson.name)} has commands but no manifest`)
  }

  const manifest = readJson<{version?: unknown; commands?: Record<string, {aliases?: string[]; hiddenAliases?: string[]}>}>(file)
  if (String(manifest.version).split('-')[0] !== String(pjson.version).split('-')[0]) throw new NotLean(`${file} is of another version`)
  return Object.entries(manifest.commands ?? {}).flatMap(([id, command]) => [id, ...(command.aliases ?? []), ...(command.hiddenAliases ?? [])])
}

/** The dependencies named by the root's `oclif.plugins` (exact names only: a glob pattern goes the oclif way). */
function corePluginNames(pjson: PackageJson): string[] {
  const patterns = pjson.oclif?.plugins ?? []
  if (!Array.isArray(patterns) || patterns.some((p) => typeof p !== 'string' || /[*?[\]{}!]/.test(p))) throw new NotLean('core plugins by pattern')
  const dependencies = Object.keys(pjson.dependencies ?? {})
  return dependencies.filter((name) => (patterns as string[]).includes(name))
}

/** Where package `name` is installed, searched from `from` the way oclif's `findRoot` does. */
function findPluginRoot(name: string, from: string): string {
  try {
    const entry = createRequire(join(from, 'noop.js')).resolve(name, {paths: [from]})
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) if (dir.endsWith(basename(name))) return dir
  } catch {
    // not resolvable as a CommonJS package: oclif's legacy walk
  }

  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return join(dir, 'node_modules', name)
    if (dir === dirname(dir)) throw new NotLean(`plugin ${name} not found from ${from}`)
  }
}

/**
 * Runs `event` in every plugin that has hooks for it, in parallel, each hook
 * with `timeoutMs` and its error captured, as oclif's `runHook(event, options,
 * timeoutMs, true)` does (same timeout message, same `this` context).
 */
async function runLeanHook(plugins: readonly LeanPlugin[], event: string, options: object, timeoutMs: number): Promise<FleetHookRun> {
  const successes: Array<{plugin: LeanPlugin; result: unknown}> = []
  const failures: Array<{plugin: LeanPlugin; error: unknown}> = []
  await Promise.all(
    plugins.map(async (plugin) => {
      for (const hook of plugin.hooks[event] ?? []) {
        try {
           
          const hookFn = findHookFunction(await loadHookModule(plugin, hook.target), hook.identifier)
          if (!hookFn) continue
          const context = hookContext(options)
           
          const result = await withTimeout(timeoutMs, hookFn.call(context, {...options, context}))
          successes.push({plugin, result})
        } catch (error) {
          failures.push({error, plugin})
        }
      }
    }),
  )
  return {failures, successes}
}

/** `this` of a hook: its config, and oclif's helpers (the printing ones load oclif's own, only when called). */
function hookContext(options: object) {
  return {
    config: (options as {config: LeanHookConfig}).config,
    debug() {},
    error(message: string | Error, errorOptions: {exit?: number} = {}): never {
      throw Object.assign(message instanceof Error ? message : new Error(message), {oclif: {exit: errorOptions.exit ?? 2}})
    },
    exit(code = 0): never {
      throw Object.assign(new Error(`EEXIT: ${code}`), {code: 'EEXIT', oclif: {exit: code}})
    },
    log(message = '', ...args: unknown[]) {
      console.log(message, ...args)
    },
    warn(message: string | Error) {
      process.stderr.write(` ›   Warning: ${message instanceof Error ? message.message : message}\n`)
    },
  }
}

type HookFunction = (this: unknown, options: object) => unknown

/** Loads a hook file as oclif's `loadWithData` does, with its `[MODULE_NOT_FOUND]` message for a module that is missing. */
async function loadHookModule(plugin: LeanPlugin, target: string): Promise<Record<string, unknown> | HookFunction> {
  const path = target.startsWith(plugin.root) ? target : join(plugin.root, target)
  const require = createRequire(join(plugin.root, 'noop.js'))
  let file = path
  try {
    file = require.resolve(path)
  } catch {
    // oclif then tries the path as given (and fails to load it below)
  }

  const esm = isEsm(file)
  try {
    return esm ? ((await import(pathToFileURL(file).href)) as Record<string, unknown>) : (require(file) as Record<string, unknown> | HookFunction)
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw error
    const message = `[MODULE_NOT_FOUND] ${esm ? 'import()' : 'require'} failed to load ${file}: ${(error as Error).message}`
    throw Object.assign(new Error(message), {code: 'MODULE_NOT_FOUND', oclif: {exit: 1}})
  }
}

/** oclif's rule: .mjs is ESM, .js is ESM when the nearest package.json says `"type": "module"`. */
function isEsm(file: string): boolean {
  const extension = extname(file).toLowerCase()
  if (extension === '.mjs' || extension === '.mts') return true
  if (!['.js', '.jsx', '.ts', '.tsx'].includes(extension)) return false
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const pjson = join(dir, 'package.json')
    if (existsSync(pjson)) return readJson<PackageJson>(pjson).type === 'module'
  }

  return false
}

function findHookFunction(module: Record<string, unknown> | HookFunction, identifier: string): HookFunction | undefined {
  const named = (module as Record<string, unknown>)[identifier]
  if (named !== undefined) return named as HookFunction
  if (identifier !== 'default') return undefined
  if (typeof module === 'function') return module
  if (typeof module.default === 'function') return module.default as HookFunction
  return Object.values(module).find((value) => typeof value === 'function') as HookFunction | undefined
}

async function withTimeout(ms: number, promise: unknown): Promise<unknown> {
  let id: NodeJS.Timeout | undefined
  const timeout = new Promise((_, reject) => {
    id = setTimeout(() => reject(new Error(`Timed out after ${ms} ms.`)), ms).unref()
  })
  const result = await Promise.race([promise, timeout])
  clearTimeout(id)
  return result
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

function isFileError(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string')
}
