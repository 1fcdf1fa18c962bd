/**
 * A `debug` logger that loads the `debug` package only when it can print:
 * when `DEBUG` (or oclif's `DECNET_DEBUG`) is set, or when something else
 * already loaded it (oclif does, for every command it runs). Otherwise a call
 * does nothing and costs nothing: the fleet master started by bin/run.js's lean
 * path, which loads no oclif, would carry `debug` and its helpers (about 1.3
 * MiB: docs/benchmarks.md) for as long as the fleet runs, for nothing.
 *
 * Decided at the first call, not at import: oclif may load `debug` after the
 * module that asks for a logger.
 *
 * @example
 * ```ts
 * const debug = makeDebug('decnet:supervisor')
 * debug('forked %s (pid %d)', name, pid)
 * ```
 */
import {createRequire} from 'node:module'

/** The call shape of a `debug` logger (printf-like). */
export type Debugger = (formatter: unknown, ...args: unknown[]) => void

const require = createRequire(import.meta.url)

export function makeDebug(namespace: string): Debugger {
  let log: Debugger | undefined
  return (formatter, ...args) => {
    log ??= loadable() ? (require('debug') as (namespace: string) => Debugger)(namespace) : () => {}
    log(formatter, ...args)
  }
}

function loadable(): boolean {
  if (process.env.DEBUG || process.env.DECNET_DEBUG) return true
  try {
    return require.cache[require.resolve('debug')] !== undefined
  } catch {
    return false
  }
}
