/**
 * Loads the shipped rule pack and an operator's rule directory. A broken file
 * or rule is reported (with its path and why) and skipped; everything else
 * still loads.
 */
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {CompiledRule} from './rule-schema.js'

import {compileRule, RuleError} from './rule-schema.js'

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
}

/** The active rules and the problems met while loading them. */
export interface RuleSet {
  readonly rules: readonly CompiledRule[]
  readonly problems: readonly RuleProblem[]
}

/** Where to load rules from. */
export interface LoadRulesOptions {
  /** The shipped pack (default: `rules/` at the package root). */
  shippedDir?: string
  /** An operator's directory of `*.json` rule files; none when undefined. */
  operatorDir?: string
}

/** The shipped rule pack: `rules/` at the package root. */
export function shippedRulesDir(): string {
  return fileURLToPath(new URL('../../rules', import.meta.url))
}

/** Formats a problem as one line for the operator. */
export function formatRuleProblem(problem: RuleProblem): string {
  return `${problem.path}${problem.rule === undefined ? '' : ` (rule ${problem.rule})`}: ${problem.message}`
}

/**
 * Loads the shipped rules, then the operator's. Rule ids are unique: a second
 * rule with an id already loaded is refused, except that an operator's rule
 * replaces a shipped rule of the same id when its `version` is higher (and
 * `"disabled": true` in such an override switches the shipped rule off).
 * Files load in name order, so which duplicate wins is deterministic.
 *
 * @example
 * ```ts
 * const {rules, problems} = await loadRules({operatorDir: process.env.DECNET_RULES_DIR})
 * for (const problem of problems) console.warn(formatRuleProblem(problem))
 * ```
 * @throws Error when the shipped pack itself cannot be read (a broken install).
 */
export async function loadRules(options: LoadRulesOptions = {}): Promise<RuleSet> {
  const problems: RuleProblem[] = []
  const shippedDir = options.shippedDir ?? shippedRulesDir()
  const shipped = await readRuleFiles(shippedDir, problems, true)
  const active = new Map<string, CompiledRule>()
  for (const rule of shipped) {
    if (active.has(rule.id)) problems.push(duplicate(rule, active.get(rule.id)!))
    else active.set(rule.id, rule)
  }

  if (options.operatorDir !== undefined) {
    const fromShipped = new Set(active.keys())
    const overridden = new Set<string>()
    for (const rule of await readRuleFiles(options.operatorDir, problems, false)) {
      const existing = active.get(rule.id)
      if (existing === undefined) {
        active.set(rule.id, rule)
      } else if (fromShipped.has(rule.id) && !overridden.has(rule.id) && rule.version > existing.version) {
        overridden.add(rule.id)
        active.set(rule.id, rule)
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

  return {problems, rules: [...active.values()].filter((rule) => !rule.disabled)}
}

async function readRuleFiles(dir: string, problems: RuleProblem[], required: boolean): Promise<CompiledRule[]> {
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
  for (const name of names.sort()) rules.push(...(await readRuleFile(join(dir, name), problems)))
  return rules
}

async function readRuleFile(path: string, problems: RuleProblem[]): Promise<CompiledRule[]> {
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
      rules.push(compileRule(entry, path))
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
