/**
 * Loads the shipped rule pack and an operator's rule directory. A broken file
 * or rule is reported (with its path and why) and skipped; everything else
 * still loads.
 */
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {CompiledRule} from './rule-schema.js'
import type {TechniqueIndex} from './technique-check.js'

import {ATTACK_CATALOG_ENV, readCatalog, shippedCatalogPath} from './attack-catalog.js'
import {compileRule, RuleError} from './rule-schema.js'
import {checkTechniques, techniqueIndex} from './technique-check.js'

/** The setting naming an operator's rule directory. */
export const RULES_DIR_ENV = 'DECNET_RULES_DIR'

/** A file or rule that was not loaded, and why. */
export interface RuleProblem {
  /** The file (or directory) concerned. */
  readonly path: string
  /** The rule's id, or `#N` (its index in the file) when it has no usable id. */
  readonly rule?: string
  /** Lowercase and specific. */
  readonly message: string
  /** `warning`: the rule still loaded (e.g. a revoked technique replaced by its successor); absent: it did not. */
  readonly level?: 'warning'
}

/** Where a rule comes from: the shipped pack or an operator's directory. */
export type RuleOrigin = 'built-in' | 'user'

/**
 * Whether a loaded rule runs: `overridden` by an operator's rule of the same
 * id, `disabled` by an override or by the operator's rule state, `expired`
 * when the rule state's date for it has come (see rule-state.ts).
 */
export type RuleState = 'active' | 'disabled' | 'expired' | 'overridden'

/** One rule that loaded, whether it runs or not. */
export interface RuleEntry {
  readonly rule: CompiledRule
  readonly origin: RuleOrigin
  readonly state: RuleState
  /** The operator's rule state for it (`applyRuleState`): switched on or off, its confidence cap, when it expires. */
  readonly enabled?: boolean
  readonly confidenceCap?: number
  readonly expires?: string
}

/** The active rules and the problems met while loading them. */
export interface RuleSet {
  readonly rules: readonly CompiledRule[]
  readonly problems: readonly RuleProblem[]
  /** Every rule that loaded, active or not, in load order. */
  readonly entries: readonly RuleEntry[]
  /** The ATT&CK release the rules were checked against (tags record it). */
  readonly attackVersion: string
}

/** Where to load rules from. */
export interface LoadRulesOptions {
  /** The shipped pack (default: `rules/` at the package root). */
  shippedDir?: string
  /** An operator's directory of `*.json` rule files; none when undefined. */
  operatorDir?: string
  /** The catalog to check techniques against (default: {@link loadTechniqueIndex}). */
  techniques?: TechniqueIndex
}

/** The catalog file in use: `$DECNET_ATTACK_CATALOG` (an imported release), else the shipped one. */
export function catalogInUse(env: NodeJS.ProcessEnv = process.env): string {
  return env[ATTACK_CATALOG_ENV] || shippedCatalogPath()
}

/**
 * The {@link TechniqueIndex} of the catalog at `path` (default {@link catalogInUse}).
 * @throws CatalogError when it cannot be read or is not a catalog.
 */
export async function loadTechniqueIndex(path = catalogInUse()): Promise<TechniqueIndex> {
  return techniqueIndex(await readCatalog(path))
}

/** The shipped rule pack: `rules/` at the package root. */
export function shippedRulesDir(): string {
  return fileURLToPath(new URL('../../rules', import.meta.url))
}

/** Formats a problem as one line for the operator. */
export function formatRuleProblem(problem: RuleProblem): string {
  return `${problem.path}${problem.rule === undefined ? '' : ` (rule ${problem.rule})`}: ${problem.message}`
}

/** Whether a problem kept its rule (or file) from loading. */
export function isRuleError(problem: RuleProblem): boolean {
  return problem.level !== 'warning'
}

/**
 * Loads the shipped rules, then the operator's. Rule ids are unique: a second
 * rule with an id already loaded is refused, except that an operator's rule
 * replaces a shipped rule of the same id when its `version` is higher (and
 * `"disabled": true` in such an override switches the shipped rule off).
 * Files load in name order, so which duplicate wins is deterministic. Every
 * technique a rule emits is checked against the ATT&CK catalog
 * ({@link checkTechniques}): an unknown one refuses the rule, a revoked one
 * is replaced by its successor with a warning.
 *
 * @example
 * ```ts
 * const {rules, problems} = await loadRules({operatorDir: process.env.DECNET_RULES_DIR})
 * for (const problem of problems) console.warn(formatRuleProblem(problem))
 * ```
 * @throws Error when the shipped pack itself cannot be read (a broken install); CatalogError when the catalog cannot.
 */
export async function loadRules(options: LoadRulesOptions = {}): Promise<RuleSet> {
  const problems: RuleProblem[] = []
  const techniques = options.techniques ?? (await loadTechniqueIndex())
  const shippedDir = options.shippedDir ?? shippedRulesDir()
  const shipped = await readRuleFiles(shippedDir, problems, true, techniques)
  const active = new Map<string, CompiledRule>()
  const entries = new Map<CompiledRule, RuleEntry>()
  for (const rule of shipped) {
    if (active.has(rule.id)) {
      problems.push(duplicate(rule, active.get(rule.id)!))
    } else {
      active.set(rule.id, rule)
      entries.set(rule, {origin: 'built-in', rule, state: rule.disabled ? 'disabled' : 'active'})
    }
  }

  if (options.operatorDir !== undefined) {
    const fromShipped = new Set(active.keys())
    const overridden = new Set<string>()
    for (const rule of await readRuleFiles(options.operatorDir, problems, false, techniques)) {
      const existing = active.get(rule.id)
      const entry: RuleEntry = {origin: 'user', rule, state: rule.disabled ? 'disabled' : 'active'}
      if (existing === undefined) {
        active.set(rule.id, rule)
        entries.set(rule, entry)
      } else if (fromShipped.has(rule.id) && !overridden.has(rule.id) && rule.version > existing.version) {
        overridden.add(rule.id)
        active.set(rule.id, rule)
        entries.set(existing, {...entries.get(existing)!, state: 'overridden'})
        entries.set(rule, entry)
      } else if (fromShipped.has(rule.id) && !overridden.has(rule.id)) {
        problems.push({
          message: `version ${rule.version} does not override the shipped rule (version ${existing.version}): give it a higher version`,
          path: rule.path,
          rule: rule.id,
        })
      } else {
        problems.push(duplicate(rule, existing))
      }
    }
  }

  return {
    attackVersion: techniques.version,
    entries: [...entries.values()],
    problems,
    rules: [...active.values()].filter((rule) => !rule.disabled),
  }
}

async function readRuleFiles(dir: string, problems: RuleProblem[], required: boolean, techniques: TechniqueIndex): Promise<CompiledRule[]> {
  let names: string[]
  try {
    const entries = await readdir(dir, {withFileTypes: true})
    names = entries.filter((entry) => !entry.isDirectory() && entry.name.endsWith('.json')).map((entry) => entry.name)
  } catch (error) {
    const message = `rules directory cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
    if (required) throw new Error(`${dir}: ${message}`)
    problems.push({message, path: dir})
    return []
  }

  const rules: CompiledRule[] = []
  for (const name of names.sort()) rules.push(...(await readRuleFile(join(dir, name), problems, techniques)))
  return rules
}

async function readRuleFile(path: string, problems: RuleProblem[], techniques: TechniqueIndex): Promise<CompiledRule[]> {
  let entries: unknown
  try {
    entries = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    problems.push({message: `cannot be read as JSON: ${(error as Error).message}`, path})
    return []
  }

  if (!Array.isArray(entries)) {
    problems.push({message: 'a rule file must hold a JSON array of rules', path})
    return []
  }

  const rules: CompiledRule[] = []
  for (const [index, entry] of entries.entries()) {
    try {
      const compiled = compileRule(entry, path)
      const checked = checkTechniques(compiled, techniques)
      for (const message of checked.warnings) problems.push({level: 'warning', message, path, rule: compiled.id})
      if (checked.rule === undefined) problems.push({message: checked.error!, path, rule: compiled.id})
      else rules.push(checked.rule)
    } catch (error) {
      if (!(error instanceof RuleError)) throw error
      problems.push({message: error.message, path, rule: ruleName(entry, index)})
    }
  }

  return rules
}

function duplicate(rule: CompiledRule, existing: CompiledRule): RuleProblem {
  return {message: `duplicate rule id (already loaded from ${existing.path})`, path: rule.path, rule: rule.id}
}

function ruleName(entry: unknown, index: number): string {
  const id = typeof entry === 'object' && entry !== null ? (entry as {id?: unknown}).id : undefined
  return typeof id === 'string' && id !== '' && id.length <= 80 ? id : `#${index}`
}
