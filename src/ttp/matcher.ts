/**
 * Applies compiled rules to the text of one event and turns every hit into
 * tags: one per (event, rule, technique), with a deterministic id.
 */
import {createHash} from 'node:crypto'

import type {NewTtpTag} from '../db/schema.js'
import type {CompiledRule, RuleField} from './rule-schema.js'

import {sliceWhole} from '../util/slice-whole.js'
import {matchWindows} from './match-windows.js'
import {LiteralIndex} from './prefilter.js'

/**
 * A rule sees at most this many characters at once: the whole command when
 * it is no longer, else one window of its simple commands (see
 * {@link matchWindows}); a simple command longer than this is cut to it.
 * Bounds each regular expression's work on hostile input.
 */
export const MAX_TEXT_LENGTH = 4096

/** Evidence is cut to this many characters (plus an ellipsis), a note of a cut included. */
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

/** What the rules made of one text: their hits, and how much of the text they read. */
export interface TextMatch {
  /** In rule order; each rule at most once (its first match). */
  readonly hits: RuleHit[]
  /** The windows the rules ran over (1 unless the text is longer than {@link MAX_TEXT_LENGTH}). */
  readonly windows: number
  /** Characters the rules ran over, summed over windows (which overlap: at most six times the text's length). */
  readonly examined: number
  /** Characters no rule saw: the ends of simple commands longer than {@link MAX_TEXT_LENGTH}. */
  readonly unexamined: number
  /** Regular expressions run (prefilter survivors among the rules' parts, per window, of rules that had not matched yet). */
  readonly regexRuns: number
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

/** What a tag needs of the rule that made it. */
export type TaggingRule = Pick<CompiledRule, 'confidence' | 'emits' | 'id' | 'version'>

/**
 * The tags `rule` puts on `event`, one per technique it emits, each with
 * `evidence` (already bounded) and the ATT&CK release they were made with.
 *
 * @example
 * ```ts
 * ruleTags(rule, {attacker_ip: '203.0.113.7', id: 42, timestamp: '2026-11-26T13:32:51.000Z'}, 'uname -a', '18.1')
 * ```
 */
export function ruleTags(rule: TaggingRule, event: TaggedEvent, evidence: string, attackVersion: null | string): NewTtpTag[] {
  return rule.emits.map((emit) => ({
    attack_version: attackVersion,
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
  }))
}

/** Matches events against a rule set. Stateless after construction; share one per worker. */
export class Matcher {
  /** Per field: its rules, their parts in rule order with one prefilter entry each, and where each rule's parts start. */
  /** Per field: its rules, their parts in rule order with one prefilter entry each, and the rule each part belongs to. */
  readonly #byField = new Map<RuleField, {index: LiteralIndex; owner: Uint32Array; parts: RegExp[]; rules: CompiledRule[]}>()
  /** The ATT&CK release the rules were checked against, recorded on every tag (null: unknown). */
  readonly attackVersion: null | string

  /**
   * @example
   * ```ts
   * const {rules, attackVersion} = await loadRules()
   * const matcher = new Matcher(rules, {attackVersion})
   * matcher.tags(row, {command: 'uname -a; wget http://x/y.sh'})
   * ```
   */
  constructor(rules: readonly CompiledRule[], options: {attackVersion?: string} = {}) {
    this.attackVersion = options.attackVersion ?? null
    const byField = new Map<RuleField, CompiledRule[]>()
    for (const rule of rules) {
      let list = byField.get(rule.field)
      if (list === undefined) byField.set(rule.field, (list = []))
      list.push(rule)
    }

    for (const [field, list] of byField) {
      const parts = list.flatMap((rule) => rule.parts)
      const owner = Uint32Array.from(list.flatMap((rule, index) => rule.parts.map(() => index)))
      this.#byField.set(field, {index: new LiteralIndex(parts.map((part) => part.literals)), owner, parts: parts.map((part) => part.regex), rules: list})
    }
  }

  /** How many rules are active. */
  get size(): number {
    let size = 0
    for (const {rules} of this.#byField.values()) size += rules.length
    return size
  }

  /** The rules for `field` that match `text`, in rule order, with evidence. */
  hits(field: RuleField, text: string): RuleHit[] {
    return this.match(field, text).hits
  }

  /**
   * {@link hits}, with how much of `text` the rules read. A text longer than
   * {@link MAX_TEXT_LENGTH} is read in windows of whole simple commands
   * ({@link matchWindows}); when part of it went unread, every hit's
   * evidence says so (`wget http://x/y.sh [cut: rules saw 4,172 of 4,178 characters]`).
   */
  match(field: RuleField, text: string): TextMatch {
    const entry = this.#byField.get(field)
    if (entry === undefined || text === '') return {examined: 0, hits: [], regexRuns: 0, unexamined: 0, windows: 0}
    const {owner, parts, rules} = entry
    const {unexamined, windows} = matchWindows(text, MAX_TEXT_LENGTH)
    const found = new Map<number, RuleHit>()
    let examined = 0
    let regexRuns = 0
    let left = rules.length
    for (const window of windows) {
      if (left === 0) break
      const part = windows.length === 1 && window.start === 0 && window.end === text.length ? text : text.slice(window.start, window.end)
      examined += part.length
      // Most rules cannot match most commands: one pass over the text finds the few rule parts whose literals are present.
      const candidates = entry.index.candidateList(part.toLowerCase())
      for (let i = 0; i < candidates.length;) {
        const at = owner[candidates[i]]
        // The leftmost match of the rule's candidate parts (the first part on a tie): what the whole pattern would find.
        let best: null | RegExpExecArray = null
        for (; i < candidates.length && owner[candidates[i]] === at; i++) {
          if (found.has(at)) continue
          regexRuns++
          const match = parts[candidates[i]].exec(part)
          if (match !== null && (best === null || match.index < best.index)) best = match
        }

        if (best === null) continue
        found.set(at, {evidence: evidence(part, best.index, best.index + best[0].length, unexamined === 0 ? '' : cutNote(text.length - unexamined, text.length)), rule: rules[at]})
        left--
      }
    }

    const hits = [...found.keys()].sort((a, b) => a - b).map((at) => found.get(at)!)
    return {examined, hits, regexRuns, unexamined, windows: windows.length}
  }

  /** The tags for one event, given the values of the fields rules look at (absent = not applicable). */
  tags(event: TaggedEvent, fields: Partial<Record<RuleField, null | string>>): NewTtpTag[] {
    const tags: NewTtpTag[] = []
    for (const [field, text] of Object.entries(fields) as [RuleField, null | string | undefined][]) {
      if (!text) continue
      for (const {evidence, rule} of this.hits(field, text)) tags.push(...ruleTags(rule, event, evidence, this.attackVersion))
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
 * `wget http://x/y.sh`), then cut so that it and `note` (appended) fit in
 * {@link MAX_EVIDENCE_LENGTH}.
 */
export function evidence(text: string, start: number, end: number, note = ''): string {
  const room = MAX_EVIDENCE_LENGTH - note.length
  let from = start
  while (from < end && isIn(ANCHOR, text, from)) from++
  const floor = Math.max(0, from - room / 2)
  while (from > floor && !isIn(SEPARATOR, text, from - 1)) from--
  let to = Math.max(end, from)
  const limit = Math.min(text.length, from + room + 1)
  while (to < limit && !isIn(SEPARATOR, text, to)) to++
  // stopped by the limit, not by a separator or the end: cut, and say so
  const cut = to - from > room
  const found = sliceWhole(text, from, cut ? from + room : to).trim()
  return `${cut ? `${found}…` : found}${note}`
}

/** What evidence says when the rules did not see all of a command. */
export function cutNote(seen: number, length: number): string {
  return ` [cut: rules saw ${seen.toLocaleString('en-US')} of ${length.toLocaleString('en-US')} characters]`
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
