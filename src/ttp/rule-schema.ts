/**
 * The rule format of the ATT&CK tagger, and its validation. A rule file is a
 * JSON array of rules; see `docs` in /work/notes/ttp.md (README) for the
 * format an operator writes.
 */
import {requiredLiterals} from './prefilter.js'
import {checkPattern} from './rule-check.js'

/**
 * What a rule looks at. `command`: the command text `extractCommand` finds in
 * a log line; `http`: the HTTP request `httpRequestText` makes of a request
 * event (`METHOD PATH`, then one `Name: value` line per header, then a blank
 * line and the body); `database`: the database command `databaseText` makes
 * of a Redis, Elasticsearch or query event (`redis CONFIG SET dir /root/.ssh`);
 * `email`: the mail `emailText` makes of a `message_stored` event (one
 * `Name: value` line per fact); `file`: the captured file or TFTP request
 * `fileText` makes of a `file_captured` or TFTP `request` event
 * (`sha256=... size=... writer=... path=...`); `network`: what a network
 * sensor saw, as `networkText` writes it (`tcp_syn_fingerprint os_guess=nmap ...`).
 */
export type RuleField = 'command' | 'database' | 'email' | 'file' | 'http' | 'network'

/** Every {@link RuleField}. */
export const RULE_FIELDS: readonly RuleField[] = Object.freeze(['command', 'http', 'database', 'email', 'file', 'network'])

/** One technique a rule emits when it matches. */
export interface RuleEmit {
  /** ATT&CK tactic, e.g. `TA0007`. */
  tactic: string
  /** ATT&CK technique (the parent), e.g. `T1059`. */
  technique: string
  /** ATT&CK sub-technique of `technique`, e.g. `T1059.004`, or null. */
  subTechnique: null | string
  /** Overrides the rule's confidence for this technique. */
  confidence?: number
}

/** A rule as written in a rule file. */
export interface RuleDefinition {
  /** `area.name`, e.g. `discovery.system-info`: lowercase, unique across all loaded rules. */
  id: string
  /** A positive integer; bump it when the rule's meaning changes. */
  version: number
  description: string
  field: RuleField
  /**
   * JavaScript regular-expression source, or an array of alternatives joined
   * with `|`; `{{cmd}}` and `{{end}}` expand (see {@link RULE_MACROS}).
   */
  pattern: readonly string[] | string
  /** Any of `i`, `m`, `s`, `u`; default none. */
  flags?: string
  emits: readonly RuleEmit[]
  /** 0 < confidence ≤ 1. */
  confidence: number
  /** Text that must match and near-misses that must not; checked when the rule loads. */
  examples: {readonly match: readonly string[]; readonly noMatch: readonly string[]}
  /** An operator's override may switch a shipped rule off (with a higher version). */
  disabled?: boolean
}

/** One alternative of a rule's pattern, compiled on its own with its own prefilter literals. */
export interface RulePart {
  readonly regex: RegExp
  /** Lower-case strings a text this part matches must contain one of, or null: always run. */
  readonly literals: null | readonly string[]
}

/** A validated rule with its compiled pattern and where it came from. */
export interface CompiledRule extends Readonly<RuleDefinition> {
  readonly emits: readonly Readonly<RuleEmit>[]
  /** The whole pattern (all alternatives joined). */
  readonly regex: RegExp
  /** Lower-case strings a matching text must contain one of (a cheap prefilter), or null: always run. */
  readonly literals: null | readonly string[]
  /**
   * The alternatives of an array pattern, each compiled on its own (one part,
   * the whole pattern, for a string pattern): the matcher runs only the parts
   * whose own literals a text contains, so a rule with a rare branch and a
   * common one costs the common branch only where it can match.
   */
  readonly parts: readonly RulePart[]
  /** The file the rule was loaded from. */
  readonly path: string
}

/**
 * Shorthands a pattern may use, expanded before compiling:
 *
 * - `{{cmd}}`: a command position: the start of the text, or after `;` `|` `&`
 *   `(` `` ` `` `{` a newline or `$(`, after `sh -c "`, or after a wrapper word
 *   (`sudo`, `nohup`, `busybox`, `exec`, `xargs`, `then`, `do`, `else`, `env`,
 *   `nice`, `setsid`, `torsocks`, `torify`, `proxychains`);
 *   then optional blanks, up to three upper-case variable assignments
 *   (`DISPLAY=:0 `, `LD_PRELOAD=/x.so `, `HOME='/tmp' `) and an optional directory (`/usr/bin/`, `./`).
 * - `{{end}}`: the end of a command word (blank, separator, quote, redirection, `$` as in
 *   `wget${IFS}http://...`, or the end of the text).
 */
export const RULE_MACROS: Readonly<Record<string, string>> = Object.freeze({
  cmd: String.raw`(?:^|[\n;&|(\x60{]|\$\(|-c\s{0,8}["']|\b(?:sudo|nohup|busybox|exec|xargs|then|do|else|env|nice|setsid|torsocks|torify|proxychains4?)\s)[^\S\n]*(?:[A-Z_][A-Z\d_]{0,30}=(?:"[^"\n]{0,100}"|'[^'\n]{0,100}'|[^\s;&|'"]{1,100})?[^\S\n]{1,4}){0,3}(?:[\w./~-]*\/)?`,
  end: String.raw`(?=[\s;&|)\x60'"<>$]|$)`,
})

const ID = /^[a-z][a-z\d-]*(?:\.[a-z\d][a-z\d-]*)+$/
const TACTIC = /^TA\d{4}$/
const TECHNIQUE = /^T\d{4}$/
const KEYS: ReadonlySet<string> = new Set(['confidence', 'description', 'disabled', 'emits', 'examples', 'field', 'flags', 'id', 'pattern', 'version'])
const MAX_PATTERN = 4000

/** A rule that cannot be used, with the reason (lowercase, specific). */
export class RuleError extends Error {
  override readonly name = 'RuleError'
}

/**
 * Validates one rule object from `path` and compiles it.
 *
 * @example
 * ```ts
 * const rule = compileRule(JSON.parse(text)[0], '/etc/decnet/rules/local.json')
 * rule.regex.test('uname -a')
 * ```
 * @throws RuleError naming what is wrong.
 */
export function compileRule(value: unknown, path: string): CompiledRule {
  if (!isObject(value)) throw new RuleError('a rule must be an object')
  const unknown = Object.keys(value).find((key) => !KEYS.has(key))
  if (unknown !== undefined) throw new RuleError(`unknown key "${unknown}"`)
  const {id, version, description, field, pattern, confidence, disabled} = value
  if (typeof id !== 'string' || !ID.test(id)) throw new RuleError(`"id" must look like "area.name" (lowercase), got ${show(id)}`)
  if (!Number.isInteger(version) || (version as number) < 1) throw new RuleError(`"version" must be a positive integer, got ${show(version)}`)
  if (typeof description !== 'string' || description.trim() === '') throw new RuleError('"description" must be a non-empty string')
  if (!RULE_FIELDS.includes(field as RuleField)) throw new RuleError(`"field" must be one of ${RULE_FIELDS.join(', ')}, got ${show(field)}`)
  const alternatives = isStrings(pattern) ? pattern : undefined
  const source = alternatives ? alternatives.join('|') : pattern
  if (typeof source !== 'string' || source === '' || source.length > MAX_PATTERN || (Array.isArray(pattern) && pattern.includes(''))) {
    throw new RuleError(`"pattern" must be a non-empty string (or array of non-empty strings) of at most ${MAX_PATTERN} characters`)
  }

  if (!isConfidence(confidence)) throw new RuleError(`"confidence" must be a number in (0, 1], got ${show(confidence)}`)
  if (disabled !== undefined && typeof disabled !== 'boolean') throw new RuleError('"disabled" must be true or false')
  const flags = checkFlags(value.flags)
  const regex = compilePattern(source, flags)
  const emits = checkEmits(value.emits)
  const examples = checkExamples(value.examples, regex)
  return Object.freeze({
    confidence,
    description,
    disabled: disabled ?? false,
    emits,
    examples,
    field: field as RuleField,
    flags,
    id,
    literals: freezeOrNull(requiredLiterals(expandMacros(source), flags)),
    parts: compileParts(alternatives, regex, flags),
    path,
    pattern: alternatives ? Object.freeze([...alternatives]) : source,
    regex,
    version: version as number,
  })
}

/** Expands {@link RULE_MACROS} in `pattern`. @throws RuleError on an unknown macro. */
export function expandMacros(pattern: string): string {
  return pattern.replaceAll(/\{\{(\w*)\}\}/g, (_, name: string) => {
    const macro = RULE_MACROS[name]
    if (macro === undefined) throw new RuleError(`unknown macro {{${name}}} (known: ${Object.keys(RULE_MACROS).map((n) => `{{${n}}}`).join(', ')})`)
    return macro
  })
}

/** One part per alternative (each a whole regular expression), else the whole pattern as the only part. */
function compileParts(alternatives: readonly string[] | undefined, regex: RegExp, flags: string): readonly RulePart[] {
  const whole = [Object.freeze({literals: freezeOrNull(requiredLiterals(regex.source, flags)), regex})]
  if (alternatives === undefined || alternatives.length < 2) return Object.freeze(whole)
  const parts: RulePart[] = []
  for (const alternative of alternatives) {
    const source = expandMacros(alternative)
    let part: RegExp
    try {
      part = new RegExp(source, flags)
    } catch {
      return Object.freeze(whole) // an alternative that is not a pattern on its own (unbalanced across entries): run the whole
    }

    parts.push(Object.freeze({literals: freezeOrNull(requiredLiterals(source, flags)), regex: part}))
  }

  return Object.freeze(parts)
}

function compilePattern(pattern: string, flags: string): RegExp {
  const source = expandMacros(pattern)
  let regex: RegExp
  try {
    regex = new RegExp(source, flags)
  } catch (error) {
    throw new RuleError(`"pattern" is not a valid regular expression: ${(error as Error).message}`)
  }

  const unsafe = checkPattern(source, flags)
  if (unsafe) throw new RuleError(`"pattern" is unsafe: ${unsafe}`)
  return regex
}

function checkFlags(flags: unknown): string {
  if (flags === undefined) return ''
  if (typeof flags !== 'string' || !/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) {
    throw new RuleError(`"flags" may only hold i, m, s and u, each once, got ${show(flags)}`)
  }

  return flags
}

function checkEmits(emits: unknown): readonly Readonly<RuleEmit>[] {
  if (!Array.isArray(emits) || emits.length === 0) throw new RuleError('"emits" must be a non-empty array')
  const seen = new Set<string>()
  return Object.freeze(
    emits.map((emit, index) => {
      const where = `"emits[${index}]"`
      if (!isObject(emit)) throw new RuleError(`${where} must be an object`)
      const {tactic, technique, subTechnique, confidence} = emit
      if (typeof tactic !== 'string' || !TACTIC.test(tactic)) throw new RuleError(`${where}.tactic must look like TA0007, got ${show(tactic)}`)
      if (typeof technique !== 'string' || !TECHNIQUE.test(technique)) {
        throw new RuleError(`${where}.technique must look like T1082, got ${show(technique)}`)
      }

      const sub = subTechnique ?? null
      if (sub !== null && (typeof sub !== 'string' || !new RegExp(`^${technique}\\.\\d{3}$`).test(sub))) {
        throw new RuleError(`${where}.subTechnique must be null or a sub-technique of ${technique} (${technique}.001), got ${show(sub)}`)
      }

      // The tag id hashes the most specific technique, so one rule may emit each technique once.
      const key = (sub ?? technique)
      if (seen.has(key)) throw new RuleError(`${where} repeats ${key}: a rule emits each technique once`)
      seen.add(key)
      if (confidence !== undefined && !isConfidence(confidence)) {
        throw new RuleError(`${where}.confidence must be a number in (0, 1], got ${show(confidence)}`)
      }

      return Object.freeze({tactic, technique, subTechnique: sub, ...(confidence === undefined ? {} : {confidence})})
    }),
  )
}

function checkExamples(examples: unknown, regex: RegExp): RuleDefinition['examples'] {
  if (!isObject(examples)) throw new RuleError('"examples" must be an object with "match" and "noMatch" arrays')
  const {match, noMatch} = examples
  if (!isStrings(match) || match.length === 0) throw new RuleError('"examples.match" must be a non-empty array of strings')
  if (!isStrings(noMatch) || noMatch.length === 0) throw new RuleError('"examples.noMatch" must be a non-empty array of strings')
  const missed = match.find((text) => !regex.test(text))
  if (missed !== undefined) throw new RuleError(`example ${show(missed)} should match but does not`)
  const hit = noMatch.find((text) => regex.test(text))
  if (hit !== undefined) throw new RuleError(`near-miss ${show(hit)} should not match but does`)
  return Object.freeze({match: Object.freeze([...match]), noMatch: Object.freeze([...noMatch])})
}

function freezeOrNull<T>(list: null | T[]): null | readonly T[] {
  return list === null ? null : Object.freeze(list)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

function isConfidence(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= 1
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
