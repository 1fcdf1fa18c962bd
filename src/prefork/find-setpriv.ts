/**
 * Finding util-linux `setpriv`, the wrapper that starts workers with
 * no_new_privs and a restricted bounding set (node has no prctl).
 */
import {spawnSync} from 'node:child_process'
import {accessSync, constants} from 'node:fs'

import {makeDebug} from '../util/lazy-debug.js'

const debug = makeDebug('decnet:supervisor')

/** Where distributions install util-linux's setpriv. Not `$PATH`: the master may run from anyone's shell. */
export const SETPRIV_PATHS: readonly string[] = Object.freeze(['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv', '/sbin/setpriv'])

/** How long `setpriv --version` may take before the candidate is passed over. */
const VERSION_TIMEOUT_MS = 5000

/**
 * The first of `candidates` that is util-linux's setpriv (it says so in
 * `--version`; BusyBox's applet of the same name lacks `--bounding-set`,
 * `--reuid` and `--clear-groups`).
 *
 * @returns its path, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * findSetpriv()  // '/usr/bin/setpriv'
 * ```
 */
export function findSetpriv(candidates: readonly string[] = SETPRIV_PATHS): string | undefined {
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK)
    } catch {
      // Not installed there: try the next place.
      continue
    }

    const probe = spawnSync(path, ['--version'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: VERSION_TIMEOUT_MS})
    if (probe.status === 0 && /util-linux/.test(probe.stdout)) return path
    debug('%s is not util-linux setpriv: %s', path, probe.error?.message ?? (probe.stdout || probe.stderr).trim())
  }

  return undefined
}
