/**
 * A small parser from JavaScript regular-expression source to a tree that is
 * just detailed enough for the ReDoS lint in `rule-check.ts`: which parts
 * repeat, which can match the empty string, and which characters each part
 * can start with. It assumes the source already compiled with `new RegExp`,
 * so it is lenient about syntax rather than a validator.
 */
import type {CharSet} from './char-set.js'

import {anyChar, chars, complement, DIGIT, noChar, rangeCodes, SPACE, union, WORD} from './char-set.js'

export type {CharSet} from './char-set.js'

/** A node of the tree. */
export type RegexNode =
  | {readonly type: 'alt'; readonly branches: RegexNode[]}
  | {readonly type: 'assert'}
  | {readonly type: 'backref'}
  | {readonly type: 'char'; readonly set: CharSet}
  | {readonly type: 'look'; readonly body: RegexNode}
  | {readonly type: 'repeat'; readonly body: RegexNode; readonly min: number; readonly max: number}
  | {readonly type: 'seq'; readonly items: RegexNode[]}

/**
 * Parses `source` (compiled with `flags`) into a {@link RegexNode} tree.
 *
 * @example
 * ```ts
 * const tree = parseRegex('(a+)+$', '')  // seq[repeat(repeat(char a)), assert]
 * ```
 */
export function parseRegex(source: string, flags: string): RegexNode {
  return new RegexParser(source, flags).parse()
}

class RegexParser {
  readonly #source: string
  readonly #ignoreCase: boolean
  readonly #dotAll: boolean
  #at = 0

  constructor(source: string, flags: string) {
    this.#source = source
    this.#ignoreCase = flags.includes('i')
    this.#dotAll = flags.includes('s')
  }

  parse(): RegexNode {
    const node = this.#alternation()
    if (this.#at < this.#source.length) throw new Error(`unexpected '${this.#source[this.#at]}' at ${this.#at}`)
    return node
  }

  #alternation(): RegexNode {
    const branches = [this.#sequence()]
    while (this.#source[this.#at] === '|') {
      this.#at++
      branches.push(this.#sequence())
    }

    return branches.length === 1 ? branches[0] : {branches, type: 'alt'}
  }

  #sequence(): RegexNode {
    const items: RegexNode[] = []
    while (this.#at < this.#source.length && this.#source[this.#at] !== '|' && this.#source[this.#at] !== ')') {
      items.push(this.#quantified(this.#atom()))
    }

    return {items, type: 'seq'}
  }

  #quantified(atom: RegexNode): RegexNode {
    const rest = this.#source.slice(this.#at)
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(rest)
    let min: number
    let max: number
    if (rest[0] === '*' || rest[0] === '+' || rest[0] === '?') {
      min = rest[0] === '+' ? 1 : 0
      max = rest[0] === '?' ? 1 : Number.POSITIVE_INFINITY
      this.#at++
    } else if (braces) {
      min = Number(braces[1])
      max = braces[2] === undefined ? min : braces[3] === '' ? Number.POSITIVE_INFINITY : Number(braces[3])
      this.#at += braces[0].length
    } else {
      return atom
    }

    if (this.#source[this.#at] === '?') this.#at++ // lazy: same language, same backtracking risk
    return {body: atom, max, min, type: 'repeat'}
  }

  #atom(): RegexNode {
    const ch = this.#source[this.#at++]
    switch (ch) {
      case '(': {
        return this.#group()
      }

      case '[': {
        return {set: this.#fold(this.#class()), type: 'char'}
      }

      case '.': {
        const set = anyChar()
        if (!this.#dotAll) set.ascii[10] = 0
        return {set, type: 'char'}
      }

      case '^':
      case '$': {
        return {type: 'assert'}
      }

      case '\\': {
        return this.#escape()
      }

      default: {
        return {set: this.#fold(chars(ch)), type: 'char'}
      }
    }
  }

  #group(): RegexNode {
    let look = false
    const rest = this.#source.slice(this.#at)
    const prefix = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(rest)
    if (prefix) {
      look = prefix[0] === '?=' || prefix[0] === '?!' || prefix[0] === '?<=' || prefix[0] === '?<!'
      this.#at += prefix[0].length
    }

    const body = this.#alternation()
    if (this.#source[this.#at] !== ')') throw new Error('unterminated group')
    this.#at++
    return look ? {body, type: 'look'} : body
  }

  #escape(): RegexNode {
    const ch = this.#source[this.#at++]
    if (ch === 'b' || ch === 'B') return {type: 'assert'}
    if (/[1-9]/.test(ch) || (ch === 'k' && this.#source[this.#at] === '<')) {
      while (/[\d]/.test(this.#source[this.#at] ?? '')) this.#at++
      if (ch === 'k') this.#at = this.#source.indexOf('>', this.#at) + 1
      return {type: 'backref'}
    }

    return {set: this.#fold(this.#escapeSet(ch)), type: 'char'}
  }

  /** The set for the escape whose letter `ch` was just read (inside or outside a class). */
  #escapeSet(ch: string): CharSet {
    switch (ch) {
      case 'd': {
        return DIGIT
      }

      case 'D': {
        return complement(DIGIT)
      }

      case 'w': {
        return WORD
      }

      case 'W': {
        return complement(WORD)
      }

      case 's': {
        return SPACE
      }

      case 'S': {
        return complement(SPACE)
      }

      case 'n': {
        return chars('\n')
      }

      case 'r': {
        return chars('\r')
      }

      case 't': {
        return chars('\t')
      }

      case 'v': {
        return chars('\v')
      }

      case 'f': {
        return chars('\f')
      }

      case '0': {
        return chars('\0')
      }

      case 'x':
      case 'u':
      case 'p':
      case 'P':
      case 'c': {
        return this.#codeEscape(ch)
      }

      default: {
        return chars(ch) // identity escape: \. \/ \$ ...
      }
    }
  }

  #codeEscape(ch: string): CharSet {
    const rest = this.#source.slice(this.#at)
    const code = ch === 'x' ? /^[\da-f]{2}/i.exec(rest) : ch === 'u' ? /^(?:[\da-f]{4}|\{[\da-f]+\})/i.exec(rest) : null
    if (code) {
      this.#at += code[0].length
      const value = Number.parseInt(code[0].replaceAll(/[{}]/g, ''), 16)
      return value < 128 ? chars(String.fromCodePoint(value)) : {...noChar(), other: true}
    }

    if ((ch === 'p' || ch === 'P') && rest[0] === '{') this.#at = this.#source.indexOf('}', this.#at) + 1
    else if (ch === 'c' && /^[a-z]/i.test(rest)) this.#at++
    return anyChar() // coarse: anything
  }

  #class(): CharSet {
    const negate = this.#source[this.#at] === '^'
    if (negate) this.#at++
    const sets: CharSet[] = []
    // In JavaScript `[]` is an empty class and `]` is never a literal first member.
    while (this.#at < this.#source.length && this.#source[this.#at] !== ']') {
      const low = this.#classAtom()
      if (this.#source[this.#at] === '-' && this.#source[this.#at + 1] !== ']' && low.single !== undefined) {
        this.#at++
        const high = this.#classAtom()
        sets.push(high.single === undefined ? union(low.set, chars('-'), high.set) : rangeCodes(low.single, high.single))
      } else {
        sets.push(low.set)
      }
    }

    this.#at++ // the closing ]
    const set = union(...sets)
    return negate ? complement(set) : set
  }

  #classAtom(): {set: CharSet; single?: number} {
    const ch = this.#source[this.#at++]
    if (ch !== '\\') return {set: chars(ch), single: ch.codePointAt(0)}
    const escaped = this.#source[this.#at++]
    if (escaped === 'b') return {set: chars('\b'), single: 8}
    const set = this.#escapeSet(escaped)
    const members = [...set.ascii].flatMap((bit, code) => (bit ? [code] : []))
    return members.length === 1 && !set.other ? {set, single: members[0]} : {set}
  }

  #fold(set: CharSet): CharSet {
    if (!this.#ignoreCase) return set
    const folded = {ascii: Uint8Array.from(set.ascii), other: set.other}
    for (let c = 65; c <= 90; c++) {
      if (set.ascii[c] || set.ascii[c + 32]) folded.ascii[c] = folded.ascii[c + 32] = 1
    }

    return folded
  }
}
