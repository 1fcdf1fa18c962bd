/**
 * The MITRE ATT&CK Enterprise catalog decnet tags with: techniques (and
 * sub-techniques) with their names, tactics, URLs, STIX ids and revocations,
 * the tactics in matrix order, and the groups known to use each technique.
 *
 * The package ships `data/attack/enterprise-attack-18.1.json` (a compact
 * derivation of MITRE's STIX data, with MITRE's license beside it);
 * `decnet attack import` replaces it with a newer release in decnet's data
 * directory (see catalog-store.ts).
 */
import {readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

/** One technique or sub-technique. */
export interface AttackTechnique {
  /** `T1059` or `T1059.004`. */
  readonly id: string
  readonly name: string
  /** Tactic ids (`TA0002`), in the catalog's order. */
  readonly tactics: readonly string[]
  readonly platforms: readonly string[]
  readonly url: string
  readonly revoked: boolean
  readonly deprecated: boolean
  /** The technique that replaced a revoked one, or null. */
  readonly revokedBy: null | string
  /** Group ids (`G0007`) known to use it. */
  readonly groups: readonly string[]
  /** MITRE's STIX id, `attack-pattern--...`. */
  readonly stixId: string
}

/** One tactic. */
export interface AttackTactic {
  readonly id: string
  readonly name: string
  readonly shortname: string
  /** Its column in the matrix, from 0. */
  readonly order: number
}

/** One group (a STIX intrusion-set). */
export interface AttackGroup {
  readonly id: string
  readonly name: string
  readonly aliases: readonly string[]
  readonly url: string
}

/** The catalog as stored (the shipped file's format, and what `decnet attack import` writes). */
export interface AttackCatalogData {
  readonly domain: string
  /** The ATT&CK release, e.g. `18.1`. */
  readonly version: string
  readonly source: string
  readonly license: string
  readonly tactics: readonly AttackTactic[]
  readonly techniques: readonly AttackTechnique[]
  readonly groups: readonly AttackGroup[]
  readonly note?: string
}

/** A catalog that cannot be used, naming the file and what is wrong. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError'
}

/** The setting naming the catalog file in use (the fleet sets it for its workers when an imported catalog exists). */
export const ATTACK_CATALOG_ENV = 'DECNET_ATTACK_CATALOG'

/** The catalog shipped with the package. */
export function shippedCatalogPath(): string {
  return fileURLToPath(new URL('../../data/attack/enterprise-attack-18.1.json', import.meta.url))
}

/** Follows revoked-by links at most this far (a loop in a broken catalog must not hang). */
const MAX_REVOCATIONS = 16

const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/
const TACTIC_ID = /^TA\d{4}$/
const GROUP_ID = /^G\d{4}$/

/**
 * The catalog, indexed by id.
 *
 * @example
 * ```ts
 * const catalog = await readCatalog(shippedCatalogPath())
 * catalog.technique('T1059.004')?.name // 'Command and Scripting Interpreter: Unix Shell'
 * catalog.current('T1002')?.id          // 'T1560' (T1002 was revoked by it)
 * ```
 */
export class AttackCatalog {
  readonly data: AttackCatalogData
  readonly #techniques = new Map<string, AttackTechnique>()
  readonly #tactics = new Map<string, AttackTactic>()
  readonly #groups = new Map<string, AttackGroup>()

  constructor(data: AttackCatalogData) {
    this.data = data
    for (const technique of data.techniques) this.#techniques.set(technique.id, technique)
    for (const tactic of data.tactics) this.#tactics.set(tactic.id, tactic)
    for (const group of data.groups) this.#groups.set(group.id, group)
  }

  /** The ATT&CK release, e.g. `18.1`. */
  get version(): string {
    return this.data.version
  }

  /** A technique by id (case-insensitive), revoked or not. */
  technique(id: string): AttackTechnique | undefined {
    return this.#techniques.get(id.toUpperCase())
  }

  tactic(id: string): AttackTactic | undefined {
    return this.#tactics.get(id.toUpperCase())
  }

  group(id: string): AttackGroup | undefined {
    return this.#groups.get(id)
  }

  /** The technique that stands for `id` today: itself, or the end of its revoked-by links; undefined when unknown or the links break. */
  current(id: string): AttackTechnique | undefined {
    let technique = this.technique(id)
    for (let step = 0; technique?.revoked && step < MAX_REVOCATIONS; step++) {
      technique = technique.revokedBy === null ? undefined : this.technique(technique.revokedBy)
    }

    return technique?.revoked ? undefined : technique
  }
}

/**
 * Reads and validates a catalog file.
 *
 * @throws CatalogError naming the file and what is wrong.
 */
export async function readCatalog(path: string): Promise<AttackCatalog> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new CatalogError(`${path}: the ATT&CK catalog cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }

  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new CatalogError(`${path}: the ATT&CK catalog is not JSON: ${(error as Error).message}`)
  }

  const problem = catalogProblem(value)
  if (problem !== undefined) throw new CatalogError(`${path}: not an ATT&CK catalog: ${problem}`)
  return new AttackCatalog(value as AttackCatalogData)
}

/**
 * What is wrong with `value` as a catalog (the first problem found), or
 * undefined: ids well formed and unique, every tactic, group and revoked-by a
 * technique names present, at least one technique.
 */
export function catalogProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'expected a JSON object'
  const {groups, tactics, techniques, version} = value
  if (typeof version !== 'string' || !/^\d+(?:\.\d+)*$/.test(version)) return `"version" must look like "18.1", got ${JSON.stringify(version)}`
  if (!Array.isArray(tactics) || !Array.isArray(techniques) || !Array.isArray(groups)) return '"tactics", "techniques" and "groups" must be arrays'
  if (techniques.length === 0) return 'no techniques'
  const tacticIds = new Set<string>()
  for (const tactic of tactics) {
    if (!isObject(tactic) || typeof tactic.id !== 'string' || !TACTIC_ID.test(tactic.id) || typeof tactic.name !== 'string') return `bad tactic ${short(tactic)}`
    tacticIds.add(tactic.id)
  }

  const groupIds = new Set<string>()
  for (const group of groups) {
    if (!isObject(group) || typeof group.id !== 'string' || !GROUP_ID.test(group.id) || typeof group.name !== 'string') return `bad group ${short(group)}`
    groupIds.add(group.id)
  }

  const ids = new Set<string>()
  for (const technique of techniques) {
    if (!isObject(technique) || typeof technique.id !== 'string' || !TECHNIQUE_ID.test(technique.id)) return `bad technique ${short(technique)}`
    if (ids.has(technique.id)) return `technique ${technique.id} appears twice`
    ids.add(technique.id)
    if (typeof technique.name !== 'string' || typeof technique.url !== 'string' || typeof technique.revoked !== 'boolean') {
      return `technique ${technique.id} lacks a name, url or revoked flag`
    }

    if (!isStrings(technique.tactics) || technique.tactics.some((id) => !tacticIds.has(id))) return `technique ${technique.id} names an unknown tactic`
    if (!isStrings(technique.groups) || technique.groups.some((id) => !groupIds.has(id))) return `technique ${technique.id} names an unknown group`
  }

  for (const technique of techniques as AttackTechnique[]) {
    if (technique.revokedBy !== null && !ids.has(technique.revokedBy)) return `technique ${technique.id} is revoked by ${technique.revokedBy}, which is not in the catalog`
  }

  return undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
