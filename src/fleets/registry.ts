/**
 * The fleet registry: asks every plugin (this package included) for its
 * fleets through the `decnet:fleets` hook, validates and resolves them, and
 * says what went wrong with whom. A broken plugin costs its own fleets only.
 */
import type {FleetCatalog, PluginProblem, ResolvedFleet} from './types.js'

import {UnknownFleetError, UnusableFleetError} from './errors.js'
import {RESERVED_FLEET_NAMES} from './reserved-fleet-names.js'
import {runFleetHooks, type FleetHookHost} from './run-fleet-hooks.js'
import {describe, validateFleet} from './validate.js'

export {UnknownFleetError, UnusableFleetError} from './errors.js'
export {RESERVED_FLEET_NAMES} from './reserved-fleet-names.js'
export type {FleetHookHost} from './run-fleet-hooks.js'

/** How long one plugin's hook may take by default. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5000

/** Options of {@link loadFleetCatalog}. */
export interface LoadFleetCatalogOptions {
  /** How long one plugin's `decnet:fleets` hook may run; default {@link DEFAULT_HOOK_TIMEOUT_MS}. */
  timeoutMs?: number
}

/**
 * Runs the `decnet:fleets` hook across all plugins (oclif's `Config`, or the
 * lean path's {@link FleetHookHost}) (with a per-plugin
 * timeout, errors captured), validates every definition, resolves worker
 * modules against their plugin's root, and sorts fleets by name.
 *
 * Never throws for a plugin's fault: a hook that throws, hangs or returns
 * garbage, and every invalid definition, becomes a {@link PluginProblem}
 * naming the plugin. A fleet built into decnet (`heavy`) always wins: a
 * plugin defining the same name gets a problem and its definition is
 * ignored. When two plugins (or one plugin twice) define the same fleet
 * name, no definition of that name is used and each plugin involved gets a
 * problem naming all of them: a silent override could hand a fleet's
 * privileges to the wrong code.
 *
 * @example
 * ```ts
 * const catalog = await loadFleetCatalog(this.config)
 * for (const p of catalog.problems) this.warn(`${p.plugin}: ${p.message}`)
 * const fleet = findFleet(catalog, 'heavy')
 * ```
 */
export async function loadFleetCatalog(config: FleetHookHost, options: LoadFleetCatalogOptions = {}): Promise<FleetCatalog> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS
  const answers = await runFleetHooks(config, {timeoutMs})
  const reserved = new Set([...RESERVED_FLEET_NAMES, ...fleetSubcommands(config)])
  const problems: PluginProblem[] = []
  const candidates: ResolvedFleet[] = []

  for (const answer of answers) {
    if (!answer.ok) {
      problems.push({message: answer.message, plugin: answer.plugin})
      continue
    }

    if (!Array.isArray(answer.result)) {
      problems.push({message: `hook returned ${describe(answer.result)}, not an array of fleet definitions`, plugin: answer.plugin})
      continue
    }

    for (const [position, raw] of answer.result.entries()) {
      const checked = validateFleet(raw, position, {pluginRoot: answer.root, reserved})
      if (checked.ok) candidates.push(Object.freeze({...checked.fleet, plugin: answer.plugin, pluginRoot: answer.root}))
      else problems.push(withFleet({message: checked.message, plugin: answer.plugin}, checked.name))
    }
  }

  const fleets: ResolvedFleet[] = []
  for (const [name, same] of groupByName(candidates)) {
    if (same.length === 1) {
      fleets.push(same[0])
      continue
    }

    // A built-in fleet keeps its name: a plugin cannot take `heavy` offline (nor replace it) by defining one.
    const builtin = same.filter((f) => f.plugin === config.name)
    if (builtin.length === 1) {
      fleets.push(builtin[0])
      const message = `a fleet built into ${config.name} has this name: this plugin's definition is ignored; rename it`
      for (const plugin of new Set(same.filter((f) => f !== builtin[0]).map((f) => f.plugin))) problems.push({fleet: name, message, plugin})
      continue
    }

    const owners = same.map((f) => f.plugin).sort()
    const message = `defined by ${describeOwners(owners)}; none of them is used until all but one are removed or renamed`
    for (const plugin of new Set(owners)) problems.push({fleet: name, message, plugin})
  }

  return Object.freeze({
    fleets: Object.freeze(fleets.sort((a, b) => compare(a.name, b.name))),
    problems: Object.freeze(problems.sort(compareProblems)),
  })
}

/**
 * The fleet called `name`.
 *
 * @throws {@link UnusableFleetError} when a fleet of that name was declared but has problems,
 * {@link UnknownFleetError} when nothing declares it.
 */
export function findFleet(catalog: FleetCatalog, name: string): ResolvedFleet {
  const fleet = catalog.fleets.find((f) => f.name === name)
  if (fleet) return fleet
  const known = catalog.fleets.map((f) => f.name)
  const problems = catalog.problems.filter((p) => p.fleet === name)
  // A duplicate gives each plugin involved the same message, which names them all: say it once.
  const shared = (p: PluginProblem) => problems.filter((q) => q.message === p.message).length > 1
  const reasons = [...new Set(problems.map((p) => (shared(p) ? p.message : `plugin ${p.plugin}: ${p.message}`)))]
  if (reasons.length > 0) throw new UnusableFleetError(name, known, reasons)
  throw new UnknownFleetError(name, known)
}

/** Names of `fleet` subcommands any plugin adds (`fleet:list` -> `list`): a fleet cannot take them. */
function fleetSubcommands(config: FleetHookHost): string[] {
  return config.commandIDs.filter((id) => /^fleet:[^:]+$/.test(id)).map((id) => id.slice('fleet:'.length))
}

function groupByName(fleets: readonly ResolvedFleet[]): Map<string, ResolvedFleet[]> {
  const groups = new Map<string, ResolvedFleet[]>()
  for (const fleet of fleets) groups.set(fleet.name, [...(groups.get(fleet.name) ?? []), fleet])
  return groups
}

function describeOwners(owners: readonly string[]): string {
  const unique = [...new Set(owners)]
  if (unique.length === 1) return `plugin ${unique[0]} ${owners.length} times`
  return `plugins ${unique.slice(0, -1).join(', ')} and ${unique.at(-1)}`
}

function withFleet(problem: {message: string; plugin: string}, fleet: string | undefined): PluginProblem {
  return fleet === undefined ? problem : {...problem, fleet}
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareProblems(a: PluginProblem, b: PluginProblem): number {
  return compare(a.plugin, b.plugin) || compare(a.fleet ?? '', b.fleet ?? '') || compare(a.message, b.message)
}
