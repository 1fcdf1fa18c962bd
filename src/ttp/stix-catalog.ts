/**
 * Turns an official MITRE ATT&CK STIX 2.1 bundle (`enterprise-attack-19.0.json`
 * as MITRE publishes it in mitre-attack/attack-stix-data) into decnet's
 * compact catalog ({@link AttackCatalogData}).
 *
 * What it reads: `x-mitre-collection` (the release), `x-mitre-matrix` (tactic
 * order), `x-mitre-tactic`, `attack-pattern` (ATT&CK id, name, tactics from
 * the `mitre-attack` kill chain, platforms, URL, revoked/deprecated),
 * `intrusion-set` (groups), and `relationship`s: `uses` (group → technique),
 * `revoked-by` (technique → its successor), `subtechnique-of`.
 */
import {readFile, stat} from 'node:fs/promises'
import {basename} from 'node:path'

import type {AttackCatalogData, AttackGroup, AttackTactic, AttackTechnique} from './attack-catalog.js'

import {catalogProblem} from './attack-catalog.js'

/** A bundle that is not an ATT&CK Enterprise STIX 2.1 bundle. */
export class StixBundleError extends Error {
  override readonly name = 'StixBundleError'
}

type StixObject = Record<string, unknown> & {type: string; id: string}

interface Reference {
  external_id?: unknown
  source_name?: unknown
  url?: unknown
}

/** MITRE's Enterprise bundles are about 50 MB; a file far larger is not one. */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024

/**
 * Reads the STIX bundle at `path` and makes a catalog of it ({@link catalogFromStix}).
 *
 * @throws StixBundleError when the file cannot be read, is too large, is not JSON or not an ATT&CK bundle.
 */
export async function readStixCatalog(path: string): Promise<AttackCatalogData> {
  let text: string
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new StixBundleError(`${path}: expected a file, found ${info.isDirectory() ? 'a directory' : 'something else'}`)
    if (info.size > MAX_BUNDLE_BYTES) throw new StixBundleError(`${path}: ${info.size} bytes is larger than any ATT&CK bundle (at most ${MAX_BUNDLE_BYTES})`)
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (error instanceof StixBundleError) throw error
    throw new StixBundleError(`${path}: cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }

  let bundle: unknown
  try {
    bundle = JSON.parse(text)
  } catch (error) {
    throw new StixBundleError(`${path}: not JSON: ${(error as Error).message}`)
  }

  try {
    return catalogFromStix(bundle, basename(path))
  } catch (error) {
    if (error instanceof StixBundleError) throw new StixBundleError(`${path}: ${error.message}`)
    throw error
  }
}

const LICENSE =
  '© The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation. See LICENSE-ATTACK.txt.'

/**
 * The catalog in `bundle` (parsed JSON). `fileName` (the bundle's base name)
 * gives the release when the bundle has no `x-mitre-collection` object.
 *
 * @example
 * ```ts
 * const data = catalogFromStix(JSON.parse(await readFile(path, 'utf8')), basename(path))
 * data.version // '19.0'
 * ```
 * @throws StixBundleError naming what is wrong.
 */
export function catalogFromStix(bundle: unknown, fileName = ''): AttackCatalogData {
  if (!isObject(bundle) || bundle.type !== 'bundle' || !Array.isArray(bundle.objects)) {
    throw new StixBundleError('expected a STIX bundle: a JSON object with "type": "bundle" and an "objects" array')
  }

  const objects = bundle.objects.filter((object): object is StixObject => isObject(object) && typeof object.type === 'string' && typeof object.id === 'string')
  const old = objects.find((object) => object.spec_version !== undefined && object.spec_version !== '2.1')
  if (old !== undefined) throw new StixBundleError(`expected STIX 2.1 objects, got spec_version ${JSON.stringify(old.spec_version)} (${old.id})`)
  const enterprise = (object: StixObject) => !Array.isArray(object.x_mitre_domains) || object.x_mitre_domains.includes('enterprise-attack')

  const version = releaseOf(objects, fileName)
  const tactics = readTactics(objects)
  const byShortname = new Map(tactics.map((tactic) => [tactic.shortname, tactic.id]))

  const patterns = new Map<string, {object: StixObject; id: string}>()
  for (const object of objects) {
    if (object.type !== 'attack-pattern' || !enterprise(object)) continue
    const id = attackId(object, /^T\d{4}(?:\.\d{3})?$/)
    if (id === undefined) continue
    patterns.set(object.id, {id, object})
  }

  if (patterns.size === 0) throw new StixBundleError('the bundle holds no Enterprise ATT&CK techniques (attack-pattern objects with a mitre-attack T#### id)')

  const groups = new Map<string, AttackGroup>()
  for (const object of objects) {
    if (object.type !== 'intrusion-set' || object.revoked === true || object.x_mitre_deprecated === true) continue
    const id = attackId(object, /^G\d{4}$/)
    if (id === undefined || typeof object.name !== 'string') continue
    groups.set(object.id, {aliases: strings(object.aliases), id, name: object.name, url: urlOf(object) ?? `https://attack.mitre.org/groups/${id}`})
  }

  const revokedBy = new Map<string, string>()
  const usedBy = new Map<string, Set<string>>()
  for (const object of objects) {
    if (object.type !== 'relationship' || object.revoked === true || object.x_mitre_deprecated === true) continue
    const source = String(object.source_ref)
    const target = String(object.target_ref)
    if (object.relationship_type === 'revoked-by' && patterns.has(source) && patterns.has(target)) revokedBy.set(source, patterns.get(target)!.id)
    if (object.relationship_type === 'uses' && groups.has(source) && patterns.has(target)) {
      let users = usedBy.get(target)
      if (users === undefined) usedBy.set(target, (users = new Set()))
      users.add(groups.get(source)!.id)
    }
  }

  const nameOf = new Map([...patterns.values()].map(({id, object}) => [id, String(object.name ?? id)]))
  const techniques = new Map<string, AttackTechnique>()
  for (const [stixId, {id, object}] of patterns) {
    const revoked = object.revoked === true
    const existing = techniques.get(id)
    if (existing !== undefined && (revoked || !existing.revoked)) continue // an id reused by a revoked object: keep the live one
    const dot = id.indexOf('.')
    const name = typeof object.name === 'string' ? object.name : id
    const parent = dot === -1 ? undefined : nameOf.get(id.slice(0, dot))
    techniques.set(id, {
      deprecated: object.x_mitre_deprecated === true,
      groups: [...(usedBy.get(stixId) ?? [])].sort(),
      id,
      name: parent === undefined || name.startsWith(`${parent}: `) ? name : `${parent}: ${name}`,
      platforms: strings(object.x_mitre_platforms),
      revoked,
      revokedBy: revoked ? (revokedBy.get(stixId) ?? null) : null,
      stixId,
      tactics: phases(object).flatMap((phase) => byShortname.get(phase) ?? []),
      url: urlOf(object) ?? `https://attack.mitre.org/techniques/${id.replace('.', '/')}`,
    })
  }

  const data: AttackCatalogData = {
    domain: 'enterprise-attack',
    groups: [...groups.values()].sort((a, b) => compare(a.id, b.id)),
    license: LICENSE,
    note: 'Compact Enterprise ATT&CK catalog imported by `decnet attack import` from MITRE ATT&CK STIX data.',
    source: `MITRE ATT&CK STIX data (enterprise-attack ${version}), imported from ${fileName || 'a bundle'}`,
    tactics,
    techniques: [...techniques.values()].sort((a, b) => compare(a.id, b.id)),
    version,
  }
  const problem = catalogProblem(data)
  if (problem !== undefined) throw new StixBundleError(`the bundle does not make a usable catalog: ${problem}`)
  return data
}

function releaseOf(objects: readonly StixObject[], fileName: string): string {
  const collection = objects.find((object) => object.type === 'x-mitre-collection')
  const declared = collection?.x_mitre_version
  if (typeof declared === 'string' && /^\d+(?:\.\d+)*$/.test(declared)) return declared
  const named = /enterprise-attack-(\d+(?:\.\d+)*)\.json$/.exec(fileName)?.[1]
  if (named !== undefined) return named
  throw new StixBundleError('cannot tell the ATT&CK release: no x-mitre-collection object with x_mitre_version, and the file is not named enterprise-attack-VERSION.json')
}

/** The tactics in matrix order (the first `x-mitre-matrix`'s `tactic_refs`; otherwise by id). */
function readTactics(objects: readonly StixObject[]): AttackTactic[] {
  const found = new Map<string, {id: string; name: string; shortname: string}>()
  for (const object of objects) {
    if (object.type !== 'x-mitre-tactic' || object.revoked === true || object.x_mitre_deprecated === true) continue
    const id = attackId(object, /^TA\d{4}$/)
    if (id === undefined || typeof object.name !== 'string' || typeof object.x_mitre_shortname !== 'string') continue
    found.set(object.id, {id, name: object.name, shortname: object.x_mitre_shortname})
  }

  if (found.size === 0) throw new StixBundleError('the bundle holds no ATT&CK tactics (x-mitre-tactic objects with a TA#### id)')
  const matrix = objects.find((object) => object.type === 'x-mitre-matrix' && Array.isArray(object.tactic_refs))
  const ordered = matrix === undefined ? [] : strings(matrix.tactic_refs).flatMap((ref) => found.get(ref) ?? [])
  const rest = [...found.values()].filter((tactic) => !ordered.includes(tactic)).sort((a, b) => compare(a.id, b.id))
  return [...ordered, ...rest].map((tactic, order) => ({...tactic, order}))
}

function attackId(object: StixObject, pattern: RegExp): string | undefined {
  const reference = mitreReference(object)
  const id = reference?.external_id
  return typeof id === 'string' && pattern.test(id) ? id : undefined
}

function urlOf(object: StixObject): string | undefined {
  const url = mitreReference(object)?.url
  return typeof url === 'string' && url.startsWith('https://attack.mitre.org/') ? url : undefined
}

function mitreReference(object: StixObject): Reference | undefined {
  const references = Array.isArray(object.external_references) ? (object.external_references as unknown[]) : []
  return references.find((reference): reference is Reference => isObject(reference) && reference.source_name === 'mitre-attack')
}

function phases(object: StixObject): string[] {
  const list = Array.isArray(object.kill_chain_phases) ? (object.kill_chain_phases as unknown[]) : []
  return list.flatMap((phase) => (isObject(phase) && phase.kill_chain_name === 'mitre-attack' && typeof phase.phase_name === 'string' ? [phase.phase_name] : []))
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
