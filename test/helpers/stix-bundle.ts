/**
 * STIX 2.1 bundles shaped like MITRE's enterprise-attack releases, for tests
 * (a real bundle cannot be downloaded here). `stixBundle` writes one from a
 * compact catalog (e.g. the shipped 18.1 one), so a test can play a new
 * release: renumber a technique, revoke it in favour of another.
 *
 * @example
 * ```ts
 * const bundle = stixBundle(shipped, {version: '19.0', revoke: [{id: 'T1562.001', by: {id: 'T1685', name: 'Disable or Modify Tools'}}]})
 * ```
 */
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'

import type {AttackCatalogData, AttackTechnique} from '../../src/ttp/attack-catalog.js'

import {shippedCatalogPath} from '../../src/ttp/attack-catalog.js'

/** The shipped catalog's data. */
export function shippedCatalogData(): AttackCatalogData {
  return JSON.parse(readFileSync(shippedCatalogPath(), 'utf8')) as AttackCatalogData
}

/** A release's changes: techniques revoked in favour of new ones (which take the revoked one's tactics). */
export interface ReleaseChanges {
  version?: string
  revoke?: ReadonlyArray<{id: string; by: {id: string; name: string}}>
  /** Leave out the x-mitre-collection object (the release then comes from the file name). */
  noCollection?: boolean
}

type StixObject = Record<string, unknown>

const CREATED = '2025-11-13T00:00:00.000Z'

/** A deterministic STIX id (UUID-shaped) for `type` and `key`. */
export function stixId(type: string, key: string): string {
  const hex = createHash('sha256').update(`${type}:${key}`).digest('hex')
  return `${type}--${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** A bundle holding `data` (techniques, tactics, groups and their relationships) with `changes` applied. */
export function stixBundle(data: AttackCatalogData, changes: ReleaseChanges = {}): {type: 'bundle'; id: string; objects: StixObject[]} {
  const version = changes.version ?? data.version
  const techniques: AttackTechnique[] = data.techniques.map((technique) => ({...technique}))
  for (const {by, id} of changes.revoke ?? []) {
    const old = techniques.find((technique) => technique.id === id)!
    techniques.push({...old, groups: old.groups, id: by.id, name: by.name, revoked: false, revokedBy: null, stixId: stixId('attack-pattern', by.id), url: `https://attack.mitre.org/techniques/${by.id.replace('.', '/')}`})
    Object.assign(old, {groups: [], revoked: true, revokedBy: by.id})
  }

  const tacticIds = new Map(data.tactics.map((tactic) => [tactic.id, stixId('x-mitre-tactic', tactic.id)]))
  const shortnames = new Map(data.tactics.map((tactic) => [tactic.id, tactic.shortname]))
  const groupIds = new Map(data.groups.map((group) => [group.id, stixId('intrusion-set', group.id)]))
  const patternIds = new Map(techniques.map((technique) => [technique.id, technique.stixId]))
  const objects: StixObject[] = []
  const common = (type: string, id: string) => ({created: CREATED, id, modified: CREATED, spec_version: '2.1', type})
  if (!changes.noCollection) {
    objects.push({...common('x-mitre-collection', stixId('x-mitre-collection', 'enterprise')), name: 'Enterprise ATT&CK', x_mitre_version: version})
  }

  objects.push({
    ...common('x-mitre-matrix', stixId('x-mitre-matrix', 'enterprise')),
    external_references: [{external_id: 'enterprise-attack', source_name: 'mitre-attack'}],
    name: 'Enterprise ATT&CK',
    tactic_refs: [...data.tactics].sort((a, b) => a.order - b.order).map((tactic) => tacticIds.get(tactic.id)),
  })
  // tactics in reverse, so only the matrix can give their order
  for (const tactic of [...data.tactics].reverse()) {
    objects.push({
      ...common('x-mitre-tactic', tacticIds.get(tactic.id)!),
      external_references: [{external_id: tactic.id, source_name: 'mitre-attack', url: `https://attack.mitre.org/tactics/${tactic.id}`}],
      name: tactic.name,
      x_mitre_shortname: tactic.shortname,
    })
  }

  for (const technique of techniques) {
    const dot = technique.id.indexOf('.')
    const parent = dot === -1 ? undefined : techniques.find((candidate) => candidate.id === technique.id.slice(0, dot))
    // MITRE names a sub-technique without its parent ("Unix Shell"); decnet's catalog joins them
    const name = parent !== undefined && technique.name.startsWith(`${parent.name}: `) ? technique.name.slice(parent.name.length + 2) : technique.name
    objects.push({
      ...common('attack-pattern', technique.stixId),
      external_references: [
        {external_id: technique.id, source_name: 'mitre-attack', url: technique.url},
        {description: 'a citation', source_name: 'Some Vendor 2024', url: 'https://example.com/report'},
      ],
      kill_chain_phases: technique.tactics.map((tactic) => ({kill_chain_name: 'mitre-attack', phase_name: shortnames.get(tactic)})),
      name,
      revoked: technique.revoked,
      x_mitre_deprecated: technique.deprecated,
      x_mitre_domains: ['enterprise-attack'],
      x_mitre_is_subtechnique: dot !== -1,
      x_mitre_platforms: technique.platforms,
    })
    if (parent !== undefined) objects.push(relationship('subtechnique-of', technique.stixId, parent.stixId))
    if (technique.revokedBy !== null) objects.push(relationship('revoked-by', technique.stixId, patternIds.get(technique.revokedBy)!))
    for (const group of technique.groups) objects.push(relationship('uses', groupIds.get(group)!, technique.stixId))
  }

  for (const group of data.groups) {
    objects.push({
      ...common('intrusion-set', groupIds.get(group.id)!),
      aliases: group.aliases,
      external_references: [{external_id: group.id, source_name: 'mitre-attack', url: group.url}],
      name: group.name,
    })
  }

  // what a real bundle also holds, and an importer must pass over
  objects.push({...common('malware', stixId('malware', 'S0001')), is_family: true, name: 'Some Malware'})
  objects.push({...common('course-of-action', stixId('course-of-action', 'M1000')), name: 'A Mitigation'})
  return {id: stixId('bundle', version), objects, type: 'bundle'}

  function relationship(type: string, source: string, target: string): StixObject {
    return {...common('relationship', stixId('relationship', `${type}:${source}:${target}`)), relationship_type: type, source_ref: source, target_ref: target}
  }
}
