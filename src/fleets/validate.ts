import {statSync} from 'node:fs'
import {isAbsolute, resolve} from 'node:path'

import type {FleetSettingsKind, JsonObject, PrivilegeProfile, ResolvedWorker, RestartPolicy} from './types.js'

import {jsonProblem} from './json-problem.js'
import {FLEET_SETTINGS_KINDS, MAX_NODE_OPTIONS, PRIVILEGE_PROFILES} from './types.js'

/** `[a-z][a-z0-9-]*`, at most 32 characters: fleet and worker names. */
const NAME = /^[a-z][a-z0-9-]{0,31}$/
/** An ECMAScript identifier (ASCII), which is what an export name must be. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
const RESTART_POLICIES: readonly RestartPolicy[] = ['always', 'never', 'on-failure']
/** One node option: `--name` or `--name=value`, printable ASCII without spaces. */
const NODE_OPTION = /^--[a-z][a-z\d_-]*(?:=[\x21-\x7e]+)?$/

/** Why a fleet is one privilege group, said whenever a fleet's workers disagree about privilege. */
export const ONE_PRIVILEGE_GROUP =
  "every child inherits the union of the master's privileges, so a fleet is one privilege group: " +
  'split it into one fleet per profile'

/** A fleet after validation, before the registry adds the plugin it came from. */
export interface ValidFleet {
  readonly name: string
  readonly description: string
  readonly profile: PrivilegeProfile
  readonly workers: readonly ResolvedWorker[]
  readonly settings?: FleetSettingsKind
}

/** The outcome of {@link validateFleet}: a fleet, or everything wrong with it. */
export type FleetValidation =
  | {readonly ok: false; readonly name?: string; readonly message: string}
  | {readonly ok: true; readonly fleet: ValidFleet}

/** What {@link validateFleet} checks against. */
export interface ValidationContext {
  /** The plugin's root directory: relative worker modules resolve against it. */
  readonly pluginRoot: string
  /** Names a fleet may not take. */
  readonly reserved: ReadonlySet<string>
}

/**
 * Checks one fleet definition, as a plugin's hook returned it (so `raw` may
 * be anything), and resolves its workers' modules against the plugin's root.
 * Collects every problem rather than stopping at the first.
 *
 * @param position - the definition's index in the hook's answer, to name a fleet that has no usable name.
 */
export function validateFleet(raw: unknown, position: number, context: ValidationContext): FleetValidation {
  if (!isPlainObject(raw)) return {message: `fleet #${position + 1} is ${describe(raw)}, not a fleet definition`, ok: false}
  const problems: string[] = []
  const name = typeof raw.name === 'string' ? raw.name : undefined
  if (name === undefined) problems.push(`fleet #${position + 1} has no name (got ${describe(raw.name)})`)
  else if (!NAME.test(name)) problems.push(`fleet name ${JSON.stringify(name)} must match [a-z][a-z0-9-]* (at most 32 characters)`)
  else if (context.reserved.has(name)) {
    problems.push(`fleet name '${name}' is reserved: \`decnet fleet ${name}\` is a subcommand`)
  }

  if (typeof raw.description !== 'string' || raw.description.trim() === '') {
    problems.push(`description must be a non-empty string (got ${describe(raw.description)})`)
  }

  const profile = raw.profile as PrivilegeProfile
  if (!PRIVILEGE_PROFILES.includes(profile)) {
    problems.push(`profile must be one of ${PRIVILEGE_PROFILES.join(', ')} (got ${describe(raw.profile)})`)
  }

  const settings = raw.settings as FleetSettingsKind | undefined
  if (settings !== undefined && !FLEET_SETTINGS_KINDS.includes(settings)) {
    problems.push(`settings must be one of ${FLEET_SETTINGS_KINDS.join(', ')} (got ${describe(raw.settings)})`)
  }

  const fleetLimit = memoryLimit(raw.maxMemoryMb, 'maxMemoryMb', problems)
  const workers: ResolvedWorker[] = []
  if (!Array.isArray(raw.workers) || raw.workers.length === 0) {
    problems.push(`workers must be a non-empty array (got ${describe(raw.workers)})`)
  } else {
    const seen = new Set<string>()
    for (const [i, spec] of raw.workers.entries()) {
      const worker = validateWorker(spec, i, context.pluginRoot, problems, fleetLimit)
      if (worker && seen.has(worker.name)) problems.push(`worker name '${worker.name}' is used twice`)
      else if (worker) workers.push(worker)
      if (worker) seen.add(worker.name)
    }

    const privilege = privilegeProblem(workers, profile)
    if (privilege) problems.push(privilege)
  }

  if (problems.length > 0) return {message: problems.join('; '), name, ok: false}
  return {
    fleet: Object.freeze({description: raw.description as string, name: name as string, profile, ...(settings === undefined ? {} : {settings}), workers: Object.freeze(workers)}),
    ok: true,
  }
}

function validateWorker(raw: unknown, index: number, root: string, problems: string[], fleetLimit?: number): ResolvedWorker | undefined {
  if (!isPlainObject(raw)) {
    problems.push(`worker #${index + 1} is ${describe(raw)}, not a worker spec`)
    return undefined
  }

  const label = typeof raw.name === 'string' ? `worker '${raw.name}'` : `worker #${index + 1}`
  const before = problems.length
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) {
    problems.push(`${label}: name must match [a-z][a-z0-9-]* (at most 32 characters)`)
  }

  const modulePath = resolveModule(raw.module, root, label, problems)
  const exportName = raw.export ?? 'default'
  if (typeof exportName !== 'string' || !IDENTIFIER.test(exportName)) {
    problems.push(`${label}: export must be an identifier (got ${describe(raw.export)})`)
  }

  if (!PRIVILEGE_PROFILES.includes(raw.needs as PrivilegeProfile)) {
    problems.push(`${label}: needs must be one of ${PRIVILEGE_PROFILES.join(', ')} (got ${describe(raw.needs)})`)
  }

  const restart = raw.restart ?? 'on-failure'
  if (!RESTART_POLICIES.includes(restart as RestartPolicy)) {
    problems.push(`${label}: restart must be one of ${RESTART_POLICIES.join(', ')} (got ${describe(raw.restart)})`)
  }

  const options = raw.options ?? {}
  const optionsProblem = isPlainObject(options) ? jsonProblem(options, 'options') : `options is ${describe(options)}, not an object`
  if (optionsProblem) problems.push(`${label}: ${optionsProblem}`)
  const maxMemoryMb = memoryLimit(raw.maxMemoryMb, `${label}: maxMemoryMb`, problems) ?? fleetLimit
  const nodeOptions = checkNodeOptions(raw.nodeOptions, `${label}: nodeOptions`, problems)
  if (raw.usesDatabase !== undefined && typeof raw.usesDatabase !== 'boolean') {
    problems.push(`${label}: usesDatabase must be true or false (got ${describe(raw.usesDatabase)})`)
  }

  if (raw.alerts !== undefined && raw.alerts !== 'sender') {
    problems.push(`${label}: alerts must be 'sender' (got ${describe(raw.alerts)})`)
  }

  if (problems.length > before || modulePath === undefined) return undefined
  return Object.freeze({
    ...(raw.alerts === 'sender' ? {alerts: 'sender' as const} : {}),
    exportName: exportName as string,
    ...(maxMemoryMb === undefined ? {} : {maxMemoryMb}),
    modulePath,
    name: raw.name as string,
    needs: raw.needs as PrivilegeProfile,
    ...(nodeOptions === undefined || nodeOptions.length === 0 ? {} : {nodeOptions}),
    options: Object.freeze(structuredClone(options as JsonObject)),
    restart: restart as RestartPolicy,
    ...(raw.usesDatabase === true ? {usesDatabase: true as const} : {}),
  })
}

/** The largest memory limit accepted (MiB): 1 TiB. */
export const MAX_MEMORY_LIMIT_MB = 1024 * 1024

/** A memory limit in MiB (a positive integer), or undefined when absent or invalid (then `problems` says why). */
function memoryLimit(value: unknown, label: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_MEMORY_LIMIT_MB) return value
  problems.push(`${label} must be a whole number of MiB from 1 to ${MAX_MEMORY_LIMIT_MB} (got ${describe(value)})`)
  return undefined
}

/** Node options (frozen), or undefined when absent or invalid (then `problems` says why). */
function checkNodeOptions(value: unknown, label: string, problems: string[]): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length > MAX_NODE_OPTIONS) {
    problems.push(`${label} must be an array of at most ${MAX_NODE_OPTIONS} options (got ${describe(value)})`)
    return undefined
  }

  const bad: unknown = (value as unknown[]).find((option) => typeof option !== 'string' || !NODE_OPTION.test(option))
  if (bad !== undefined) {
    problems.push(`${label}: each must be one --name or --name=value without spaces (got ${describe(bad)})`)
    return undefined
  }

  return Object.freeze([...(value as string[])])
}

function resolveModule(module: unknown, root: string, label: string, problems: string[]): string | undefined {
  if (typeof module !== 'string' || module === '') {
    problems.push(`${label}: module must be a path (got ${describe(module)})`)
    return undefined
  }

  const path = isAbsolute(module) ? module : resolve(root, module)
  let isFile = false
  try {
    isFile = statSync(path).isFile()
  } catch (error) {
    problems.push(`${label}: module ${module} not found (${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`)
    return undefined
  }

  if (!isFile) {
    problems.push(`${label}: module ${module} is not a file (${path})`)
    return undefined
  }

  return path
}

function privilegeProblem(workers: readonly ResolvedWorker[], profile: PrivilegeProfile): null | string {
  const needs = new Set(workers.map((w) => w.needs))
  if (needs.size > 1) {
    const list = workers.map((w) => `${w.name} needs ${w.needs}`).join(', ')
    return `fleet mixes privilege profiles (${list}): ${ONE_PRIVILEGE_GROUP}`
  }

  const odd = workers.filter((w) => w.needs !== profile)
  if (odd.length > 0 && PRIVILEGE_PROFILES.includes(profile)) {
    const list = odd.map((w) => `${w.name} needs ${w.needs}`).join(', ')
    return `workers disagree with the fleet's profile '${profile}' (${list}): ${ONE_PRIVILEGE_GROUP}`
  }

  return null
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A short, safe description of an arbitrary value for a message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'function') return 'a function'
  return `${typeof value} ${String(value)}`
}
