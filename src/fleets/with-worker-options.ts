import type {JsonObject, ResolvedFleet} from './types.js'

/**
 * The same fleet with `extra` merged into every worker's options (command
 * line overrides such as `--interval`, which win over the definition's).
 *
 * @example
 * ```ts
 * withWorkerOptions(fleet, {interval: 5}).workers[0].options.interval // 5
 * ```
 */
export function withWorkerOptions(fleet: ResolvedFleet, extra: JsonObject): ResolvedFleet {
  if (Object.keys(extra).length === 0) return fleet
  const workers = fleet.workers.map((w) => Object.freeze({...w, options: Object.freeze({...w.options, ...extra})}))
  return Object.freeze({...fleet, workers: Object.freeze(workers)})
}
