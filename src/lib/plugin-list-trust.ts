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
import {lstatSync, realpathSync, type Stats} from 'node:fs'
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
 * Symlinks are resolved and the real paths checked. Other users are not
 * checked: their data directory is theirs.
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

  const checks: {path: string; recursive?: boolean; sticky: boolean}[] = []
  for (let above = dirname(dir); ; above = dirname(above)) {
    checks.unshift({path: above, sticky: true})
    if (above === dirname(above)) break
  }

  checks.push({path: dir, sticky: false})
  for (const name of ['package.json', 'node_modules']) {
    const real = realOrUndefined(join(dir, name))
    if (real !== undefined) checks.push({path: real, recursive: name === 'node_modules', sticky: false})
  }

  for (const check of checks) {
    const why = unsafe(lstatSync(check.path), check.sticky)
    if (why === undefined) continue
    const r = check.recursive ? ' -R' : ''
    const message =
      `refusing to load plugins from ${join(dataDir, 'package.json')} as root: ${check.path} ${why}, so another user ` +
      `could make root run its code. Give it back to root (chown${r} root: ${check.path} && chmod${r} go-w ${check.path}); ` +
      `a fleet's --user needs only the database's directory (${join(dataDir, 'db')}), never the data directory`
    return {message, path: check.path}
  }

  return undefined
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
