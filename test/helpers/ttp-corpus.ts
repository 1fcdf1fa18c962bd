/**
 * The labelled ATT&CK command corpus (test/fixtures/ttp-corpus/) and how the
 * rule pack does on it: per-command techniques found, missed and extra, and
 * recall and precision per tactic. Shared by test/ttp/corpus.test.ts and
 * bench/ttp-corpus.js.
 */
import {readFileSync} from 'node:fs'

import type {AttackCatalog} from '../../src/ttp/attack-catalog.js'
import type {Matcher} from '../../src/ttp/matcher.js'
import type {CompiledRule} from '../../src/ttp/rule-schema.js'

const DIR = new URL('../fixtures/ttp-corpus/', import.meta.url)

/** One labelled attacker command. */
export interface CorpusEntry {
  readonly line: number
  readonly command: string
  /** The techniques an analyst would tag (sub-techniques where one applies). */
  readonly expected: readonly string[]
  /** The rule pack must yield exactly `expected`. */
  readonly exact: boolean
}

/** The attacker corpus (commands.tsv: command, techniques, optional `exact`). @throws Error naming a malformed line. */
export function readCorpus(): CorpusEntry[] {
  const entries: CorpusEntry[] = []
  for (const [index, text] of readFileSync(new URL('commands.tsv', DIR), 'utf8').split('\n').entries()) {
    if (text.trim() === '' || text.startsWith('#')) continue
    const [command, techniques, flag, ...rest] = text.split('\t')
    const expected = (techniques ?? '').split(',').filter((id) => id !== '')
    if (!command || expected.length === 0 || rest.length > 0 || (flag !== undefined && flag !== 'exact') || !expected.every((id) => /^T\d{4}(?:\.\d{3})?$/.test(id))) {
      throw new Error(`commands.tsv line ${index + 1}: expected "command<TAB>T1234,T1234.001[<TAB>exact]", got ${JSON.stringify(text)}`)
    }

    entries.push({command, exact: flag === 'exact', expected: [...new Set(expected)].sort(), line: index + 1})
  }

  return entries
}

/** The benign administration corpus (benign.txt: one command a line). */
export function readBenign(): string[] {
  return readFileSync(new URL('benign.txt', DIR), 'utf8').split('\n').filter((text) => text.trim() !== '' && !text.startsWith('#'))
}

/** The techniques (most specific id) the rules find in `command`, with the rules that found each. */
export function techniquesOf(matcher: Matcher, command: string): Map<string, {rules: string[]; tactic: string}> {
  const found = new Map<string, {rules: string[]; tactic: string}>()
  for (const {rule} of matcher.hits('command', command)) {
    for (const emit of rule.emits) {
      const id = emit.subTechnique ?? emit.technique
      const entry = found.get(id) ?? {rules: [], tactic: emit.tactic}
      entry.rules.push(rule.id)
      found.set(id, entry)
    }
  }

  return found
}

/** How the rules did on one command. */
export interface EntryResult {
  readonly entry: CorpusEntry
  readonly found: readonly string[]
  readonly missed: readonly string[]
  readonly extra: readonly string[]
}

/** Counts for one tactic. */
export interface TacticScore {
  readonly tactic: string
  readonly name: string
  /** Labelled (command, technique) pairs under this tactic, and how many the rules found. */
  readonly labelled: number
  readonly found: number
  /** Pairs the rules produced under this tactic that the labels do not have. */
  readonly extra: number
  /** Benign commands given a technique of this tactic. */
  readonly benignHits: number
  readonly recall: number
  readonly precision: number
}

/** The whole evaluation. */
export interface CorpusReport {
  readonly results: readonly EntryResult[]
  readonly tactics: readonly TacticScore[]
  readonly techniques: ReadonlyMap<string, {labelled: number; found: number}>
  readonly benign: readonly {command: string; techniques: string[]; rules: string[]}[]
  readonly total: {labelled: number; found: number; extra: number; recall: number; precision: number}
}

/**
 * Runs `matcher` over both corpora. A labelled technique's tactic is the one
 * the rule pack emits it under (else the catalog's first), so a pair is
 * counted under one tactic.
 */
export function evaluateCorpus(matcher: Matcher, rules: readonly CompiledRule[], catalog: AttackCatalog): CorpusReport {
  const tacticNames = new Map(catalog.data.tactics.map((t) => [t.id, t.name]))
  const tacticOf = new Map<string, string>()
  for (const rule of rules) for (const emit of rule.emits) if (!tacticOf.has(emit.subTechnique ?? emit.technique)) tacticOf.set(emit.subTechnique ?? emit.technique, emit.tactic)
  const tactic = (id: string): string => tacticOf.get(id) ?? catalog.technique(id)?.tactics[0] ?? 'unknown'
  const counts = new Map<string, {benignHits: number; extra: number; found: number; labelled: number}>()
  const countTactic = (key: string) => {
    let entry = counts.get(key)
    if (entry === undefined) counts.set(key, (entry = {benignHits: 0, extra: 0, found: 0, labelled: 0}))
    return entry
  }

  const count = (id: string) => countTactic(tactic(id))

  const techniques = new Map<string, {found: number; labelled: number}>()
  const results: EntryResult[] = []
  for (const entry of readCorpus()) {
    const found = [...techniquesOf(matcher, entry.command).keys()].sort()
    const missed = entry.expected.filter((id) => !found.includes(id))
    const extra = found.filter((id) => !entry.expected.includes(id))
    for (const id of entry.expected) {
      const hit = found.includes(id)
      count(id).labelled++
      if (hit) count(id).found++
      const technique = techniques.get(id) ?? {found: 0, labelled: 0}
      technique.labelled++
      if (hit) technique.found++
      techniques.set(id, technique)
    }

    for (const id of extra) count(id).extra++
    results.push({entry, extra, found, missed})
  }

  const benign = readBenign().map((command) => {
    const found = techniquesOf(matcher, command)
    return {command, rules: [...new Set([...found.values()].flatMap((f) => f.rules))], techniques: [...found.keys()].sort()}
  })
  for (const {techniques: ids} of benign) for (const key of new Set(ids.map((id) => tactic(id)))) countTactic(key).benignHits++
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b)
  const order = [...tacticNames.keys()]
  const tactics = [...counts.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([id, c]) => ({...c, name: tacticNames.get(id) ?? id, precision: ratio(c.found, c.found + c.extra), recall: ratio(c.found, c.labelled), tactic: id}))
  const sum = (key: 'extra' | 'found' | 'labelled') => tactics.reduce((total, t) => total + t[key], 0)
  const total = {extra: sum('extra'), found: sum('found'), labelled: sum('labelled'), precision: ratio(sum('found'), sum('found') + sum('extra')), recall: ratio(sum('found'), sum('labelled'))}
  return {benign, results, tactics, techniques, total}
}
