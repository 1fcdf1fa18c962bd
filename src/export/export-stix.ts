/**
 * `decnet export stix`: one STIX 2.1 bundle of the attackers a filter
 * selects, written as it is read. Objects go out one per line; the bundle's
 * id, a UUIDv5 of everything written, comes last (a JSON object's keys have
 * no order), so the same data gives the same bundle, id included.
 */
import {createHash} from 'node:crypto'

import type {ExportContext, ExportSummary} from './exported-attackers.js'
import type {StixObject} from './stix-objects.js'
import type {TechniqueLabel} from './technique-label.js'

import {exportedAttackers} from './exported-attackers.js'
import {attackerObjects, attackPatternObject, DECNET_IDENTITY} from './stix-objects.js'
import {DECNET_NAMESPACE, labelTechnique} from './technique-label.js'
import {uuidV5} from './uuid-v5.js'

/** The latest commands of each attacker a bundle carries (as `process` objects; `number_observed` counts them all). */
export const STIX_COMMANDS = 50

/** The most tried credentials of each attacker a bundle carries (as `user-account` objects). */
export const STIX_CREDENTIALS = 100

/** What `export stix` adds. */
export interface StixExportOptions {
  /** An indicator per attacker IP. */
  readonly indicators?: boolean
}

/**
 * Writes the bundle: decnet's identity, then each attacker's objects (an
 * attack-pattern the first time a technique appears).
 *
 * @example
 * ```ts
 * await exportStix({db, catalog, filter: {since}, write: out.write}, {indicators: true})
 * ```
 */
export async function exportStix(context: ExportContext, options: StixExportOptions = {}): Promise<ExportSummary & {objects: number}> {
  const attackVersion = context.catalog.version
  const hash = createHash('sha256')
  let objects = 0
  const emit = async (object: StixObject) => {
    const text = JSON.stringify(object)
    hash.update(text)
    await context.write(`${objects === 0 ? '' : ',\n'}${text}`)
    objects++
  }

  await context.write('{"type":"bundle","objects":[\n')
  await emit(DECNET_IDENTITY)
  // at most one entry per technique of the catalog (and per unknown id a tag carries)
  const patterns = new Set<string>()
  const labels = new Map<string, TechniqueLabel>()
  let attackers = 0
  for await (const exported of exportedAttackers(context.db, context.filter, {commands: STIX_COMMANDS, credentials: STIX_CREDENTIALS})) {
    attackers++
    for (const sighting of exported.sightings) {
      let label = labels.get(sighting.techniqueId)
      if (label === undefined) labels.set(sighting.techniqueId, (label = labelTechnique(context.catalog, sighting.techniqueId)))
      if (patterns.has(label.stixId)) continue
      patterns.add(label.stixId)
      const tactics = label.known ? label.tactics : sighting.tactics
      await emit(attackPatternObject(label, tactics.flatMap((id) => context.catalog.tactic(id)?.shortname ?? []), {attackVersion}))
    }

    for (const object of attackerObjects(exported, labels, {attackVersion, indicators: options.indicators})) await emit(object)
  }

  const id = `bundle--${uuidV5(DECNET_NAMESPACE, `bundle|${hash.digest('hex')}`)}`
  await context.write(`\n],"id":${JSON.stringify(id)},"x_decnet_attack_version":${JSON.stringify(attackVersion)}}\n`)
  return {attackVersion, attackers, objects}
}
