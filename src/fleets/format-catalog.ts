/**
 * Plain-text renderings of a {@link FleetCatalog}, shared by `decnet fleet
 * list` and the help class so both say the same thing the same way.
 */
import {isAbsolute, relative} from 'node:path'

import type {FleetCatalog, PluginProblem, ResolvedFleet} from './types.js'

/**
 * One line for a problem: `plugin NAME[, fleet 'F']: message`.
 *
 * @example
 * ```ts
 * describeProblem({plugin: 'p', message: 'hook timed out after 5000 ms'}) // "plugin p: hook timed out after 5000 ms"
 * ```
 */
export function describeProblem(problem: PluginProblem): string {
  const fleet = problem.fleet === undefined ? '' : `, fleet '${problem.fleet}'`
  return `plugin ${problem.plugin}${fleet}: ${problem.message}`
}

/**
 * Rows of `[name, "profile  plugin  description"]`, one per fleet, aligned
 * for a two-column list (the help class renders them).
 */
export function fleetSummaryRows(catalog: FleetCatalog): [string, string][] {
  const profileWidth = Math.max(0, ...catalog.fleets.map((f) => f.profile.length))
  const pluginWidth = Math.max(0, ...catalog.fleets.map((f) => f.plugin.length))
  return catalog.fleets.map((f) => [
    f.name,
    `${f.profile.padEnd(profileWidth)}  ${f.plugin.padEnd(pluginWidth)}  ${f.description}`,
  ])
}

/**
 * What `decnet fleet` without a NAME says: that a name is needed, then the
 * fleets there are to choose from, one a line (name, profile, plugin,
 * description, as `decnet fleet --help` lists them), unwrapped.
 *
 * @example
 * ```ts
 * missingFleetMessage(catalog)
 * // a fleet name is needed: decnet fleet NAME
 * // known fleets (name, profile, plugin, description):
 * //   heavy  database  decnet  Attacker profiler and ATT&CK tagger ...
 * // (decnet fleet list shows their workers, decnet fleet --help the flags)
 * ```
 */
export function missingFleetMessage(catalog: FleetCatalog): string {
  const rows = fleetSummaryRows(catalog)
  const nameWidth = Math.max(0, ...rows.map(([name]) => name.length))
  const fleets = rows.length === 0
    ? ['no fleets are available (decnet fleet list says why)']
    : ['known fleets (name, profile, plugin, description):', ...rows.map(([name, rest]) => `  ${name.padEnd(nameWidth)}  ${rest}`)]
  return ['a fleet name is needed: decnet fleet NAME', ...fleets, '(decnet fleet list shows their workers, decnet fleet --help the flags)'].join('\n')
}

/**
 * The human output of `decnet fleet list`: every fleet with its profile,
 * plugin, description and workers, then the problems.
 */
export function formatCatalog(catalog: FleetCatalog): string {
  const blocks = catalog.fleets.map((fleet) => formatFleet(fleet))
  if (blocks.length === 0) blocks.push('no fleets available')
  if (catalog.problems.length > 0) {
    blocks.push(['problems (these plugins or fleets are not usable):', ...catalog.problems.map((p) => `  ${describeProblem(p)}`)].join('\n'))
  }

  return blocks.join('\n\n')
}

function formatFleet(fleet: ResolvedFleet): string {
  const nameWidth = Math.max(...fleet.workers.map((w) => w.name.length))
  const workers = fleet.workers.map((w) => {
    const rel = relative(fleet.pluginRoot, w.modulePath)
    const where = `${rel.startsWith('..') || isAbsolute(rel) ? w.modulePath : rel}#${w.exportName}`
    const options = Object.keys(w.options).length > 0 ? `  options ${JSON.stringify(w.options)}` : ''
    const only = w.alerts === 'sender' ? '  only with --webhook' : ''
    return `    ${w.name.padEnd(nameWidth)}  ${where}  restart ${w.restart}${options}${only}`
  })
  return [
    `${fleet.name}  (profile ${fleet.profile}, plugin ${fleet.plugin})`,
    `  ${fleet.description}`,
    `  workers (${fleet.workers.length}):`,
    ...workers,
  ].join('\n')
}
