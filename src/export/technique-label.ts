import type {AttackCatalog} from '../ttp/attack-catalog.js'

import {uuidV5} from './uuid-v5.js'

/** decnet's UUIDv5 namespace for the STIX objects it names itself. */
export const DECNET_NAMESPACE = '5f1c9b0e-3d4a-4e8b-9c2d-7a6b5e4f3d21'

/** A technique as an export names it, from the catalog in use. */
export interface TechniqueLabel {
  /** The id the catalog stands by: the tag's, or the end of its revoked-by links. */
  readonly id: string
  readonly name: string
  /** MITRE's STIX id; for an id the catalog does not know, one decnet derives from it. */
  readonly stixId: string
  readonly url: string
  /** Tactic ids (`TA0002`) of the technique in the catalog. */
  readonly tactics: readonly string[]
  /** False when the catalog does not know the id (a tag made with another release). */
  readonly known: boolean
  /** The id the tags carry when the catalog revoked it in favour of {@link id}. */
  readonly revokedId?: string
}

/**
 * How an export names technique `id` (`T1059.004`): the catalog's name,
 * MITRE's STIX id and URL, following revoked-by links to the technique that
 * replaced it.
 *
 * @example
 * ```ts
 * labelTechnique(catalog, 'T1059.004').stixId // 'attack-pattern--a9d4b653-6915-42af-98b2-5758c4ceee56'
 * ```
 */
export function labelTechnique(catalog: AttackCatalog, id: string): TechniqueLabel {
  const technique = catalog.current(id) ?? catalog.technique(id)
  if (technique === undefined) {
    return {id, known: false, name: id, stixId: `attack-pattern--${uuidV5(DECNET_NAMESPACE, `attack-pattern|${id}`)}`, tactics: [], url: `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`}
  }

  const label = {id: technique.id, known: true, name: technique.name, stixId: technique.stixId, tactics: technique.tactics, url: technique.url}
  return technique.id === id.toUpperCase() ? label : {...label, revokedId: id}
}
