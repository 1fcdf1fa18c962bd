/**
 * Checks the techniques a rule emits against the ATT&CK catalog in use. An
 * unknown technique or tactic refuses the rule; a revoked technique is
 * replaced by its successor (so rules written for an older ATT&CK release
 * keep working) with a warning that names it; a deprecated one is a warning.
 */
import type {AttackCatalog} from './attack-catalog.js'
import type {CompiledRule, RuleEmit} from './rule-schema.js'

/** What a rule check needs of a technique. */
export interface TechniqueStatus {
  readonly name: string
  readonly tactics: readonly string[]
  readonly deprecated: boolean
  /** For a revoked technique: the technique that stands for it today (revoked-by links followed), or null when none does. */
  readonly successor: null | string
  readonly revoked: boolean
}

/**
 * The part of the catalog rule checks read: small enough for the `ttp`
 * worker to keep (ids, names, tactics, revocations; no groups, platforms or URLs).
 */
export interface TechniqueIndex {
  /** The ATT&CK release, e.g. `18.1`. */
  readonly version: string
  technique(id: string): TechniqueStatus | undefined
  hasTactic(id: string): boolean
}

/**
 * The {@link TechniqueIndex} of a catalog, holding none of the catalog's
 * objects (so the catalog itself can be collected).
 *
 * @example
 * ```ts
 * const index = techniqueIndex(await readCatalog(shippedCatalogPath()))
 * index.technique('T1002') // {name: 'Data Compressed', revoked: true, successor: 'T1560', ...}
 * ```
 */
export function techniqueIndex(catalog: AttackCatalog): TechniqueIndex {
  const techniques = new Map<string, TechniqueStatus>()
  for (const technique of catalog.data.techniques) {
    const successor = technique.revoked ? (catalog.current(technique.id)?.id ?? null) : null
    techniques.set(technique.id, Object.freeze({
      deprecated: technique.deprecated,
      name: technique.name,
      revoked: technique.revoked,
      successor,
      tactics: Object.freeze([...technique.tactics]),
    }))
  }

  const tactics = new Set(catalog.data.tactics.map((tactic) => tactic.id))
  const {version} = catalog
  return Object.freeze({
    hasTactic: (id: string) => tactics.has(id),
    technique: (id: string) => techniques.get(id),
    version,
  })
}

/** What the check made of one rule: the rule to use (emits remapped), or the error refusing it; and warnings. */
export interface TechniqueCheck<R extends CheckedEmits = CompiledRule> {
  readonly rule?: R
  readonly error?: string
  readonly warnings: readonly string[]
}

/**
 * Checks every technique and tactic `rule` emits against `index`.
 *
 * @example
 * ```ts
 * const {rule: checked, error, warnings} = checkTechniques(rule, index)
 * if (error !== undefined) refuse(rule.id, error)
 * ```
 */
export function checkTechniques<R extends CheckedEmits = CompiledRule>(rule: R, index: TechniqueIndex): TechniqueCheck<R> {
  const warnings: string[] = []
  const emits: Readonly<RuleEmit>[] = []
  const seen = new Set<string>()
  let changed = false
  for (const emit of rule.emits) {
    const id = emit.subTechnique ?? emit.technique
    const status = index.technique(id)
    if (status === undefined) return {error: `emits ${id}, which ATT&CK ${index.version} does not know`, warnings}
    if (!index.hasTactic(emit.tactic)) return {error: `emits tactic ${emit.tactic}, which ATT&CK ${index.version} does not know`, warnings}
    let next: Readonly<RuleEmit> = emit
    let current = status
    if (status.revoked) {
      if (status.successor === null) return {error: `emits ${id} (${status.name}), revoked in ATT&CK ${index.version} with no successor`, warnings}
      current = index.technique(status.successor)!
      const tactic = current.tactics.includes(emit.tactic) ? emit.tactic : (current.tactics[0] ?? emit.tactic)
      next = successorEmit(emit, status.successor, tactic)
      changed = true
      warnings.push(`emits ${id} (${status.name}), revoked in ATT&CK ${index.version} by ${status.successor} (${current.name}): tagged as ${status.successor}${tactic === emit.tactic ? '' : ` under ${tactic}`}; update the rule`)
    } else if (status.deprecated) {
      warnings.push(`emits ${id} (${status.name}), deprecated in ATT&CK ${index.version}`)
    }

    if (!current.tactics.includes(next.tactic)) {
      return {error: `emits ${next.subTechnique ?? next.technique} under tactic ${next.tactic}, but in ATT&CK ${index.version} it belongs to ${current.tactics.join(', ')}`, warnings}
    }

    const key = next.subTechnique ?? next.technique
    if (seen.has(key)) {
      changed = true
      continue // two revoked techniques with one successor: emit it once
    }

    seen.add(key)
    emits.push(next)
  }

  return {rule: changed ? Object.freeze({...rule, emits: Object.freeze(emits)}) : rule, warnings}
}

/** What {@link checkTechniques} reads of a rule: the techniques it emits (a pattern rule, or a built-in counting rule). */
export interface CheckedEmits {
  readonly emits: readonly Readonly<RuleEmit>[]
}

function successorEmit(emit: Readonly<RuleEmit>, successor: string, tactic: string): Readonly<RuleEmit> {
  const dot = successor.indexOf('.')
  return Object.freeze({
    ...emit,
    subTechnique: dot === -1 ? null : successor,
    tactic,
    technique: dot === -1 ? successor : successor.slice(0, dot),
  })
}
