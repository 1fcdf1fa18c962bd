/**
 * Whether root may load the plugins listed in decnet's data directory. Every
 * `decnet` command loads them (their `init` and `decnet:fleets` hooks run in
 * the command's process), so a plugin list another user can write is a way
 * to root. Like sshd's StrictModes and sudo's checks on sudoers, decnet then
 * refuses to load them, and says which path and how to fix it.
 *
 * This module is imported by bin/run.js before oclif loads anything: it must
 * stay small and import only node builtins.
 */
import {lstatSync, readFileSync, realpathSync, type Stats} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

/** The oclif `dirname` and `bin` of decnet (package.json): `~/.local/share/decnet`, `DECNET_DATA_DIR`. */
const DIRNAME = 'decnet'

/** Sticky bit: in such a directory only an entry's owner may rename or remove it (/tmp). */
const STICKY = 0o1000

/** Why root must not load the plugin list, and how to fix it. */
export interface PluginListRefusal {
  /** The path another user can change. */
  readonly path: string
  /** The whole message for the operator. */
  readonly message: string
}

/**
 * decnet's data directory, by oclif's own rule (`Config.dataDir`):
 * `$DECNET_DATA_DIR`, else `$XDG_DATA_HOME/decnet`, else
 * `$HOME/.local/share/decnet`. Computed here because the check must run
 * before oclif's `Config.load`, which already loads the plugins.
 */
export function decnetDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DECNET_DATA_DIR) return env.DECNET_DATA_DIR
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir() || tmpdir(), '.local', 'share')
  return join(base, DIRNAME)
}

/**
 * Checks, for a process running as root, that nobody but root can change
 * what decnet loads from the data directory: the directory itself and every
 * directory above it (a sticky one like /tmp is fine above it), its
 * `package.json` (the plugin list of `decnet plugins link/install`) and its
 * `node_modules` (installed plugins) must be owned by root and not writable
 * by group or others (a group-writable one is fine when the group is root's).
 * Symlinks are resolved and the real paths checked. A plugin linked from a
 * directory of its own (`decnet plugins link DIR`) is held to the same
 * rules: DIR, the directories above it and its package.json. Other users are
 * not checked: their data directory is theirs.
 *
 * @returns undefined when the plugins may be loaded (or the user is not root), else the refusal.
 * @example
 * ```ts
 * const refusal = pluginListRefusal(decnetDataDir())
 * await execute({loadOptions: {root, userPlugins: refusal === undefined}})
 * ```
 */
export function pluginListRefusal(dataDir: string, euid: number = process.geteuid?.() ?? -1): PluginListRefusal | undefined {
  if (euid !== 0) return undefined
  const dir = realOrUndefined(dataDir)
  if (dir === undefined) return undefined // no data directory: no plugin list to load

  const checks: PathCheck[] = ancestors(dir).map((path) => ({path, sticky: true}))
  checks.push({path: dir, sticky: false})
  for (const name of ['package.json', 'node_modules']) {
    const real = realOrUndefined(join(dir, name))
    if (real !== undefined) checks.push({path: real, recursive: name === 'node_modules', sticky: false})
  }

  const listed = firstRefusal(checks, (check, why) => {
    const r = check.recursive ? ' -R' : ''
    return (
      `refusing to load plugins from ${join(dataDir, 'package.json')} as root: ${check.path} ${why}, so another user ` +
      `could make root run its code. Give it back to root (chown${r} root: ${check.path} && chmod${r} go-w ${check.path}); ` +
      `a fleet's --user needs only the database's directory (${join(dataDir, 'db')}), never the data directory`
    )
  })
  return listed ?? linkedPluginRefusal(dataDir, join(dir, 'package.json'))
}

interface PathCheck {
  readonly path: string
  readonly recursive?: boolean
  readonly sticky: boolean
}

function firstRefusal(checks: readonly PathCheck[], explain: (check: PathCheck, why: string) => string): PluginListRefusal | undefined {
  for (const check of checks) {
    const why = unsafe(lstatSync(check.path), check.sticky)
    if (why !== undefined) return {message: explain(check, why), path: check.path}
  }

  return undefined
}

/**
 * A plugin linked with `decnet plugins link DIR` is loaded from DIR itself:
 * the same rules hold for DIR, the directories above it and its
 * package.json (which names the hooks root runs). Like sshd's StrictModes,
 * the path is checked, not every file below it.
 */
function linkedPluginRefusal(dataDir: string, listFile: string): PluginListRefusal | undefined {
  for (const {name, root} of linkedPlugins(listFile)) {
    const real = realOrUndefined(root)
    if (real === undefined) continue // missing: oclif says so; nothing of it can run
    const checks: PathCheck[] = ancestors(real).map((path) => ({path, sticky: true}))
    checks.push({path: real, sticky: false})
    const manifest = realOrUndefined(join(real, 'package.json'))
    if (manifest !== undefined) checks.push({path: manifest, sticky: false})
    const refusal = firstRefusal(checks, (check, why) =>
      `refusing to load plugins from ${join(dataDir, 'package.json')} as root: the linked plugin ${name} lives in ${real}, ` +
      `and ${check.path} ${why}, so another user could make root run its code. Give it to root (chown -R root: ${real} ` +
      `&& chmod -R go-w ${real}), or unlink it (decnet plugins unlink ${name})`)
    if (refusal !== undefined) return refusal
  }

  return undefined
}

/** The `{name, root}` of every `type: 'link'` entry of the plugin list; none when it cannot be read. */
function linkedPlugins(listFile: string): {name: string; root: string}[] {
  let list: unknown
  try {
    list = JSON.parse(readFileSync(listFile, 'utf8'))
  } catch {
    // No list (nothing linked), or one oclif cannot read either and reports when it loads it.
    return []
  }

  const plugins = (list as {oclif?: {plugins?: unknown}})?.oclif?.plugins
  if (!Array.isArray(plugins)) return []
  return plugins.flatMap((entry: unknown) => {
    const {name, root, type} = (entry ?? {}) as {name?: unknown; root?: unknown; type?: unknown}
    return type === 'link' && typeof root === 'string' ? [{name: typeof name === 'string' ? name : root, root}] : []
  })
}

/** Every directory above `path`, from / down. */
function ancestors(path: string): string[] {
  const found: string[] = []
  for (let above = dirname(path); ; above = dirname(above)) {
    found.unshift(above)
    if (above === dirname(above)) break
  }

  return found
}

function unsafe(stats: Stats, stickyAllowed: boolean): string | undefined {
  const mode = `mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')}`
  if (stats.uid !== 0) return `belongs to uid ${stats.uid} (${mode})`
  if (stickyAllowed && (stats.mode & STICKY) !== 0) return undefined
  if ((stats.mode & 0o002) !== 0) return `is writable by every user (${mode})`
  if ((stats.mode & 0o020) !== 0 && stats.gid !== 0) return `is writable by group ${stats.gid} (${mode})`
  return undefined
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path)
  } catch {
    // Missing (or unreachable even for root): nothing there to load.
    return undefined
  }
}
