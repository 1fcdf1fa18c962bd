/**
 * A literal prefilter for rule patterns: the strings of which any text a
 * pattern matches must contain at least one (`uname -a` can only match a
 * rule needing `uname`, `lscpu`, ... if it contains one of them). Checking a
 * few `includes` on the lower-cased command is much cheaper than running the
 * regular expression, and most rules do not apply to most commands.
 */
import type {CharSet, RegexNode} from './regex-tree.js'

import {parseRegex} from './regex-tree.js'

/**
 * The lower-case literals a match of `source` must contain one of, or null
 * when no such set is known (the pattern then always runs).
 *
 * @example
 * ```ts
 * requiredLiterals('\\b(?:wget|curl)\\s', '') // ['wget', 'curl']
 * requiredLiterals('\\w+@\\w+', '')           // ['@']
 * requiredLiterals('.*', '')                  // null
 * ```
 */
export function requiredLiterals(source: string, flags: string): null | string[] {
  // Unicode case folding maps a few non-ASCII letters (ſ, K) onto ASCII ones; lower-casing the text would not.
  if (flags.includes('i') && flags.includes('u')) return null
  let tree: RegexNode
  try {
    tree = parseRegex(source, flags)
  } catch {
    return null // the ReDoS check reports unparsable patterns; here it only means no prefilter
  }

  const found = required(tree)
  return found === null ? null : [...new Set(found)]
}

function required(node: RegexNode): null | string[] {
  switch (node.type) {
    case 'char': {
      const single = singleChar(node.set)
      return single === undefined ? null : [single]
    }

    case 'alt': {
      const all: string[] = []
      for (const branch of node.branches) {
        const strings = required(branch)
        if (strings === null) return null
        all.push(...strings)
      }

      return all
    }

    case 'repeat': {
      return node.min >= 1 ? required(node.body) : null
    }

    case 'seq': {
      return best(candidates(node.items))
    }

    default: {
      return null
    }
  }
}

/** Each item's requirement, with runs of single characters joined into strings. */
function candidates(items: readonly RegexNode[]): string[][] {
  const found: string[][] = []
  let run = ''
  for (const item of items) {
    const single = item.type === 'char' ? singleChar(item.set) : undefined
    if (single !== undefined) {
      run += single
      continue
    }

    if (run !== '') found.push([run])
    run = ''
    const strings = required(item)
    if (strings !== null) found.push(strings)
  }

  if (run !== '') found.push([run])
  return found
}

/** The most selective candidate: the longest shortest string, then the fewest strings. */
function best(found: string[][]): null | string[] {
  let chosen: null | string[] = null
  let score = -1
  for (const strings of found) {
    const shortest = Math.min(...strings.map((s) => s.length))
    const value = shortest * 1000 - strings.length
    if (value > score) {
      chosen = strings
      score = value
    }
  }

  return chosen
}

/** The one character (lower case) a set holds, ignoring case; undefined when it holds more. */
function singleChar(set: CharSet): string | undefined {
  if (set.other) return undefined
  let found: number | undefined
  for (let code = 0; code < 128; code++) {
    if (!set.ascii[code]) continue
    const lower = code >= 65 && code <= 90 ? code + 32 : code
    if (found !== undefined && found !== lower) return undefined
    found = lower
  }

  return found === undefined ? undefined : String.fromCodePoint(found)
}

/**
 * All rules' literals in one index by their first two characters (single
 * characters apart), so one pass over a command finds which rules can match
 * it at all (rather than one `includes` per literal per rule). At each
 * position only the few literals starting with that pair of characters are
 * compared, however many rules there are.
 *
 * @example
 * ```ts
 * const index = new LiteralIndex([['wget', 'curl'], null, ['uname']])
 * index.candidates('uname -a') // Uint8Array [0, 1, 1]: the second has no literals, so it always runs
 * ```
 */
export class LiteralIndex {
  readonly #always: Uint8Array
  readonly #alwaysList: readonly number[]
  /** How many entries are not always candidates. */
  readonly #filtered: number
  /** By char code (ASCII): the entries needing that one-character literal. */
  readonly #single: Array<readonly number[] | undefined> = []
  /** By the first two char codes (ASCII, `first * 128 + second`): the longer literals starting with them, each with the entries needing it. */
  readonly #byPair: Array<ReadonlyArray<{readonly literal: string; readonly owners: readonly number[]}> | undefined> = []

  constructor(literalSets: ReadonlyArray<null | readonly string[]>) {
    this.#always = new Uint8Array(literalSets.length)
    const owners = new Map<string, number[]>()
    for (const [entry, literals] of literalSets.entries()) {
      if (literals === null || literals.some((literal) => literal === '' || !isAscii(literal, 0) || (literal.length > 1 && !isAscii(literal, 1)))) {
        this.#always[entry] = 1
        continue
      }

      for (const literal of literals) {
        let list = owners.get(literal)
        if (list === undefined) owners.set(literal, (list = []))
        list.push(entry)
      }
    }

    this.#filtered = this.#always.length - this.#always.reduce((sum, bit) => sum + bit, 0)
    this.#alwaysList = Object.freeze([...this.#always.keys()].filter((entry) => this.#always[entry] === 1))
    const single: number[][] = []
    const byPair: Array<Array<{literal: string; owners: number[]}>> = []
    for (const [literal, entries] of owners) {
      const first = literal.charCodeAt(0)
      if (literal.length === 1) (single[first] ??= []).push(...entries)
      else (byPair[first * 128 + literal.charCodeAt(1)] ??= []).push({literal, owners: entries})
    }

    for (const [code, entries] of single.entries()) if (entries) this.#single[code] = Object.freeze(entries)
    for (const [pair, list] of byPair.entries()) if (list) this.#byPair[pair] = Object.freeze(list)
  }

  /** 1 for every entry that may match `lower` (the text, lower-cased), 0 for those that cannot. */
  candidates(lower: string): Uint8Array {
    return this.#mark(lower, undefined)
  }

  /** The entries that may match `lower` (the text, lower-cased), in ascending order. */
  candidateList(lower: string): Int32Array {
    const list: number[] = [...this.#alwaysList]
    this.#mark(lower, list)
    return Int32Array.from(list).sort()
  }

  /** Marks the entries `lower` may match; appends each newly marked one to `list` when given. */
  #mark(lower: string, list: number[] | undefined): Uint8Array {
    const found = Uint8Array.from(this.#always)
    let left = this.#filtered
    const end = lower.length
    for (let at = 0; at < end && left > 0; at++) {
      const code = lower.charCodeAt(at)
      if (code >= 128) continue
      const single = this.#single[code]
      if (single !== undefined) {
        for (let o = 0; o < single.length; o++) {
          if (found[single[o]] === 0) {
            found[single[o]] = 1
            list?.push(single[o])
            left--
          }
        }
      }

      if (at + 1 === end) break
      const next = lower.charCodeAt(at + 1)
      const starting = next < 128 ? this.#byPair[code * 128 + next] : undefined
      if (starting === undefined) continue
      for (let k = 0; k < starting.length; k++) {
        const candidate = starting[k]
        if (!lower.startsWith(candidate.literal, at)) continue
        const {owners} = candidate
        for (let o = 0; o < owners.length; o++) {
          if (found[owners[o]] === 0) {
            found[owners[o]] = 1
            list?.push(owners[o])
            left--
          }
        }
      }
    }

    return found
  }
}

function isAscii(text: string, at: number): boolean {
  return text.charCodeAt(at) < 128
}
