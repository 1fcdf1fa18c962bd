/**
 * Parses `decnet fleet NAME [FLAGS]` without oclif, from the flags oclif
 * itself wrote to oclif.manifest.json (src/cli/fleet-flags.ts defines them):
 * names, short names, types, defaults and exclusive pairs come from there.
 *
 * It accepts only what oclif would accept with the same result; for anything
 * else (help, an unknown or repeated flag, a bad value, `--`, a flag before
 * NAME) it returns undefined and oclif parses the command, with its own
 * messages and exit codes. Imports node builtins only.
 */
import {parseArgs} from 'node:util'

import type {FleetRunFlags} from './run-fleet.js'

import {MAX_MEMORY_FLAG_LIMIT_MB} from './max-memory-limit.js'

/** A flag as oclif.manifest.json describes it. */
export interface ManifestFlag {
  readonly name: string
  readonly type: 'boolean' | 'option'
  readonly char?: string
  readonly default?: unknown
  readonly exclusive?: readonly string[]
  readonly allowNo?: boolean
  readonly multiple?: boolean
  readonly [key: string]: unknown
}

/** Flag properties that change nothing in parsing (help text, visibility). */
const INERT: ReadonlySet<string> = new Set(['name', 'type', 'char', 'default', 'exclusive', 'allowNo', 'multiple', 'hidden', 'helpValue', 'hasDynamicHelp', 'summary', 'description', 'helpGroup'])

/** The flags oclif parses as integers (`Flags.integer`): the manifest says `option`; their bounds are here. */
const INTEGER_FLAGS: Readonly<Record<string, {min: number; max: number}>> = {'max-memory': {max: MAX_MEMORY_FLAG_LIMIT_MB, min: 1}}

/** What {@link parseFleetArgv} read: the fleet's name and its flags, defaults applied. */
export interface LeanFleetArgv {
  readonly name: string
  readonly flags: FleetRunFlags
}

/**
 * `argv` is what follows `fleet` (`['heavy', '--once']`).
 *
 * @returns undefined when oclif must parse it.
 * @example
 * ```ts
 * parseFleetArgv(['heavy', '--grace', '5'], manifest.commands.fleet.flags) // {name: 'heavy', flags: {grace: '5', ...}}
 * parseFleetArgv(['heavy', '--help'], flags) // undefined
 * ```
 */
export function parseFleetArgv(argv: readonly string[], manifestFlags: Readonly<Record<string, ManifestFlag>>): LeanFleetArgv | undefined {
  const [name, ...rest] = argv
  if (name === undefined || name.startsWith('-')) return undefined
  const definitions = Object.values(manifestFlags)
  if (definitions.some((flag) => !plainFlag(flag))) return undefined

  const options = Object.fromEntries(
    definitions.map((flag) => [
      flag.name,
      {type: flag.type === 'boolean' ? ('boolean' as const) : ('string' as const), ...(flag.char ? {short: flag.char} : {}), ...(flag.multiple === true ? {multiple: true} : {})},
    ]),
  )
  let parsed
  try {
    parsed = parseArgs({allowPositionals: true, args: [...rest], options, strict: true, tokens: true})
  } catch {
    return undefined
  }

  if (parsed.positionals.length > 0 || parsed.tokens.some((token) => token.kind === 'option-terminator')) return undefined
  const given = parsed.tokens.flatMap((token) => (token.kind === 'option' ? [token.name] : []))
  // a flag given twice is oclif's to judge, unless it takes several values (`--listen A --listen B`)
  const repeated = given.filter((name, i) => given.indexOf(name) !== i)
  if (repeated.some((name) => manifestFlags[name]?.multiple !== true)) return undefined
  const present = new Set(given)
  if (definitions.some((flag) => present.has(flag.name) && (flag.exclusive ?? []).some((other) => present.has(other)))) return undefined

  const flags: Record<string, boolean | number | string | string[]> = {}
  for (const flag of definitions) {
    const value = parsed.values[flag.name]
    if (flag.multiple === true) {
      if (!Array.isArray(value)) continue
      if (value.some((item) => typeof item !== 'string' || item === '')) return undefined
      flags[flag.name] = value as string[]
      continue
    }

    if (Array.isArray(value)) return undefined
    if (flag.type === 'boolean') {
      // oclif leaves a boolean that is not given undefined
      if (value === true) flags[flag.name] = true
      continue
    }

    if (value === '' || typeof value === 'boolean') return undefined
    const text = value ?? (flag.default as string | undefined)
    const bounds = INTEGER_FLAGS[flag.name]
    if (text === undefined) continue
    if (bounds === undefined) {
      flags[flag.name] = text
      continue
    }

    const number = /^\d+$/.test(text) ? Number(text) : Number.NaN
    if (!(number >= bounds.min && number <= bounds.max)) return undefined
    flags[flag.name] = number
  }

  return {flags: flags as unknown as FleetRunFlags, name}
}

/** A flag this parser reads exactly as oclif does: no env, no choices, no custom parse, no aliases, no `--no-`. */
function plainFlag(flag: ManifestFlag): boolean {
  if (flag.allowNo === true) return false
  // several values: only as repeated flags (`--listen A --listen B`), not oclif's greedy `--listen A B` (a positional: oclif decides)
  if (flag.multiple === true && (flag.type !== 'option' || flag.default !== undefined)) return false
  if (flag.default !== undefined && typeof flag.default !== 'string') return false
  return Object.keys(flag).every((key) => INERT.has(key))
}
