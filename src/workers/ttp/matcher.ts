/**
 * Applies compiled rules to the text of one event and turns every hit into
 * tags: one per (event, rule, technique), with a deterministic id.
 */
import {createHash} from 'node:crypto'

import type {NewTtpTag} from '../../db/schema.js'
import type {CompiledRule, RuleField} from './rule-schema.js'

import {sliceWhole} from '../../lib/slice-whole.js'
import {LiteralIndex} from './prefilter.js'

/** A rule sees at most this many characters of a field (bounds the work per event on hostile input). */
export const MAX_TEXT_LENGTH = 4096

/** Evidence is cut to this many characters (plus an ellipsis). */
export const MAX_EVIDENCE_LENGTH = 200

/** The event a tag is attached to. */
export interface TaggedEvent {
  readonly id: number
  readonly timestamp: string
  readonly attacker_ip: null | string
}

/** One rule that matched a text, with the evidence. */
export interface RuleHit {
  readonly rule: CompiledRule
  readonly evidence: string
}

/**
 * The id of a tag: 32 hex digits, the log id (12 digits, so a tick's inserts
 * land at the end of the primary-key index rather than all over it) then the
 * first 20 digits of the SHA-256 of `${logId}:${ruleId}:${technique}`, where
 * `technique` is the most specific id emitted (the sub-technique when there
 * is one). Stable across runs, so a replay inserts nothing new.
 *
 * @example
 * ```ts
 * tagId(42, 'discovery.system-info', 'T1082') // '00000000002a' + 20 hex digits, always the same
 * ```
 */
export function tagId(logId: number, ruleId: string, technique: string): string {
  const hash = createHash('sha256').update(`${logId}:${ruleId}:${technique}`).digest('hex')
  return `${logId.toString(16).padStart(12, '0')}${hash.slice(0, 20)}`
}

/** Matches events against a rule set. Stateless after construction; share one per worker. */
export class Matcher {
  readonly #byField = new Map<RuleField, {index: LiteralIndex; rules: CompiledRule[]}>()

  /**
   * @example
   * ```ts
   * const matcher = new Matcher((await loadRules()).rules)
   * matcher.tags(row, {command: 'uname -a; wget http://x/y.sh'})
   * ```
   */
  constructor(rules: readonly CompiledRule[]) {
    const byField = new Map<RuleField, CompiledRule[]>()
    for (const rule of rules) {
      let list = byField.get(rule.field)
      if (list === undefined) byField.set(rule.field, (list = []))
      list.push(rule)
    }

    for (const [field, list] of byField) this.#byField.set(field, {index: new LiteralIndex(list.map((rule) => rule.literals)), rules: list})
  }

  /** How many rules are active. */
  get size(): number {
    let size = 0
    for (const {rules} of this.#byField.values()) size += rules.length
    return size
  }

  /** The rules for `field` that match `text`, in rule order, with evidence. */
  hits(field: RuleField, text: string): RuleHit[] {
    const entry = this.#byField.get(field)
    if (entry === undefined || text === '') return []
    const capped = text.length > MAX_TEXT_LENGTH ? sliceWhole(text, 0, MAX_TEXT_LENGTH) : text
    // Most rules cannot match most commands: one pass over the text rules out those whose literals are absent.
    const candidates = entry.index.candidates(capped.toLowerCase())
    const hits: RuleHit[] = []
    const {rules} = entry
    for (let at = 0; at < rules.length; at++) {
      if (candidates[at] === 0) continue
      const rule = rules[at]
      const match = rule.regex.exec(capped)
      if (match !== null) hits.push({evidence: evidence(capped, match.index, match.index + match[0].length), rule})
    }

    return hits
  }

  /** The tags for one event, given the values of the fields rules look at (absent = not applicable). */
  tags(event: TaggedEvent, fields: Partial<Record<RuleField, null | string>>): NewTtpTag[] {
    const tags: NewTtpTag[] = []
    for (const [field, text] of Object.entries(fields) as [RuleField, null | string | undefined][]) {
      if (!text) continue
      for (const {evidence, rule} of this.hits(field, text)) {
        for (const emit of rule.emits) {
          tags.push({
            attacker_ip: event.attacker_ip,
            confidence: emit.confidence ?? rule.confidence,
            evidence,
            id: tagId(event.id, rule.id, emit.subTechnique ?? emit.technique),
            log_id: event.id,
            rule_id: rule.id,
            rule_version: rule.version,
            sub_technique_id: emit.subTechnique,
            tactic: emit.tactic,
            technique_id: emit.technique,
            timestamp: event.timestamp,
          })
        }
      }
    }

    return tags
  }
}

// Character classes as lookup tables: evidence() walks characters one by one.
const SEPARATOR = charTable('\n;&|')
const ANCHOR = charTable(' \t\r\n\v\f;&|(`{')

/**
 * The simple command(s) a match spans: the match without the separator that
 * anchored it, widened back to the start of its command (`/proc/cpuinfo`
 * becomes `cat /proc/cpuinfo`) and on to the end of it (`wget` becomes
 * `wget http://x/y.sh`), then cut to {@link MAX_EVIDENCE_LENGTH}.
 */
export function evidence(text: string, start: number, end: number): string {
  let from = start
  while (from < end && isIn(ANCHOR, text, from)) from++
  const floor = Math.max(0, from - MAX_EVIDENCE_LENGTH / 2)
  while (from > floor && !isIn(SEPARATOR, text, from - 1)) from--
  let to = Math.max(end, from)
  const limit = Math.min(text.length, from + MAX_EVIDENCE_LENGTH + 1)
  while (to < limit && !isIn(SEPARATOR, text, to)) to++
  // stopped by the limit, not by a separator or the end: cut, and say so
  const cut = to - from > MAX_EVIDENCE_LENGTH
  const found = sliceWhole(text, from, cut ? from + MAX_EVIDENCE_LENGTH : to).trim()
  return cut ? `${found}…` : found
}

function charTable(chars: string): Uint8Array {
  const table = new Uint8Array(128)
  for (const ch of chars) table[ch.codePointAt(0)!] = 1
  return table
}

function isIn(table: Uint8Array, text: string, at: number): boolean {
  const code = text.charCodeAt(at)
  return code < 128 && table[code] === 1
}
