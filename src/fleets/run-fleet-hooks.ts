import {makeDebug} from '../util/lazy-debug.js'

import {FLEETS_HOOK} from './fleets-hook.js'

const debug = makeDebug('decnet:registry')

/** A plugin as the registry sees it: its package name, root directory and hooks (event → hook files). */
export interface FleetHookPlugin {
  readonly name: string
  readonly root: string
  readonly hooks: {readonly [event: string]: readonly unknown[] | undefined}
}

/** What a hook run gives back, in oclif's shape (`Config.runHook` with `captureErrors`). */
export interface FleetHookRun {
  readonly successes: ReadonlyArray<{readonly plugin: {readonly name: string; readonly root: string}; readonly result: unknown}>
  readonly failures: ReadonlyArray<{readonly plugin: {readonly name: string; readonly root: string}; readonly error: unknown}>
}

/**
 * Where the registry finds the plugins and runs their hooks: oclif's `Config`
 * is one; the lean path of `decnet fleet NAME` (src/cli/lean-plugins.ts)
 * finds the same plugins without loading oclif.
 */
export interface FleetHookHost {
  /** This package's name: its own fleets (`heavy`) win over a plugin's. */
  readonly name: string
  /** Every command id of every plugin (a fleet cannot be named like a `fleet` subcommand). */
  readonly commandIDs: readonly string[]
  getPluginsList(): readonly FleetHookPlugin[]
  runHook(event: typeof FLEETS_HOOK, options: Record<string, never>, timeoutMs: number, captureErrors: true): Promise<FleetHookRun>
}

/** What one plugin's `decnet:fleets` hook gave back. */
export type HookAnswer =
  | {readonly ok: false; readonly plugin: string; readonly root: string; readonly message: string}
  | {readonly ok: true; readonly plugin: string; readonly root: string; readonly result: unknown}

/** Options of {@link runFleetHooks}. */
export interface RunFleetHooksOptions {
  /** How long one plugin's hook may run. */
  readonly timeoutMs: number
  /**
   * How much longer than `timeoutMs` the whole run may take before it is
   * abandoned (a hook module that hangs while loading is not covered by
   * oclif's per-hook timeout). Default 1000.
   */
  readonly marginMs?: number
}

/**
 * Runs the `decnet:fleets` hook of every plugin through `config.runHook`,
 * with a per-hook timeout and every error captured, and says which plugin
 * answered what. Never throws for a plugin's fault.
 *
 * A plugin with several hook files for the event gives several answers.
 * If the whole run outlives `timeoutMs + marginMs` (a hook module hanging in
 * its top-level code), every plugin that declares the hook gets a failed
 * answer, since oclif does not say which one is still running.
 */
export async function runFleetHooks(config: FleetHookHost, options: RunFleetHooksOptions): Promise<HookAnswer[]> {
  const {timeoutMs, marginMs = 1000} = options
  const declaring = config.getPluginsList().filter((p) => (p.hooks[FLEETS_HOOK] ?? []).length > 0)
  debug('running %s in %d plugin(s): %o', FLEETS_HOOK, declaring.length, declaring.map((p) => p.name))
  if (declaring.length === 0) return []

  let timer: NodeJS.Timeout | undefined
  // This timer is deliberately not unref()'d: a hook that hangs without holding
  // any handle would otherwise let the event loop drain before oclif's (unref()'d)
  // timeout fires, and node would exit in the middle of the command.
  const guard = new Promise<'guard'>((resolve) => {
    timer = setTimeout(() => resolve('guard'), timeoutMs + marginMs)
  })
  const run = config.runHook(FLEETS_HOOK, {}, timeoutMs, true)
  const outcome = await Promise.race([run, guard])
  clearTimeout(timer)

  if (outcome === 'guard') {
    const message = `decnet:fleets hooks did not settle within ${timeoutMs + marginMs} ms (a hook module may hang while loading)`
    return declaring.map((p) => ({message, ok: false, plugin: p.name, root: p.root}))
  }

  const answers: HookAnswer[] = [
    ...outcome.successes.map(({plugin, result}) => ({ok: true as const, plugin: plugin.name, result, root: plugin.root})),
    ...outcome.failures.map(({error, plugin}) => ({
      message: describeFailure(error, timeoutMs),
      ok: false as const,
      plugin: plugin.name,
      root: plugin.root,
    })),
  ]
  debug('answers: %o', answers.map((a) => (a.ok ? `${a.plugin}: ok` : `${a.plugin}: ${a.message}`)))
  return answers
}

/** oclif's timeout error is `Timed out after N ms.`; anything else is the hook's own error. */
function describeFailure(error: unknown, timeoutMs: number): string {
  const message = error instanceof Error ? error.message : String(error)
  if (/^Timed out after \d+ ms\.?$/.test(message)) return `hook timed out after ${timeoutMs} ms`
  const firstLine = message.split('\n')[0].trim() || (error instanceof Error ? error.name : 'unknown error')
  return `hook failed: ${firstLine}`
}
