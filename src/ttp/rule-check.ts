/**
 * A static ReDoS lint for rule patterns. Rules run over attacker-controlled
 * text, so a pattern that can backtrack exponentially is refused at load time
 * rather than discovered by an attacker. The check is deliberately
 * conservative: it rejects some safe patterns (rewrite them without the
 * construct) and, together with the cap on the text a rule sees, bounds the
 * work per event.
 */
import type {CharSet} from './char-set.js'
import type {RegexNode} from './regex-tree.js'

import {anyChar, intersects, noChar, union} from './char-set.js'
import {parseRegex} from './regex-tree.js'

/**
 * Why `source` is unsafe to run over hostile text, or null when it passes.
 * Refused: backreferences; a repeated group containing another repeat when
 * either is unbounded (`(a+)+`, `(\w+\s?)*`); an alternation inside a repeat
 * whose branches can start with the same character or match empty
 * (`(a|ab)*`, `(\d|\w)+`); a repeat of something that can match empty
 * (`(a?)*`).
 *
 * @example
 * ```ts
 * checkPattern('(a+)+$', '')        // 'nested quantifier: `(...)+` repeats a group that itself repeats'
 * checkPattern('\\bwget\\s+\\S+', 'i') // null
 * ```
 */
export function checkPattern(source: string, flags: string): null | string {
  let tree: RegexNode
  try {
    tree = parseRegex(source, flags)
  } catch (error) {
    return `pattern could not be analysed: ${(error as Error).message}`
  }

  return walk(tree, undefined)
}

/** The innermost enclosing repeat that can run more than once. */
interface Enclosing {
  readonly unbounded: boolean
}

function walk(node: RegexNode, outer: Enclosing | undefined): null | string {
  switch (node.type) {
    case 'backref': {
      return 'backreferences are not allowed'
    }

    case 'repeat': {
      return walkRepeat(node, outer)
    }

    case 'alt': {
      if (outer !== undefined) {
        const problem = overlappingBranches(node.branches)
        if (problem) return problem
      }

      return first(node.branches, (branch) => walk(branch, outer))
    }

    case 'seq': {
      return first(node.items, (item) => walk(item, outer))
    }

    case 'look': {
      return walk(node.body, outer)
    }

    default: {
      return null
    }
  }
}

function walkRepeat(node: Extract<RegexNode, {type: 'repeat'}>, outer: Enclosing | undefined): null | string {
  const repeats = node.max > 1
  const unbounded = node.max === Number.POSITIVE_INFINITY
  if (repeats && outer !== undefined && (outer.unbounded || unbounded)) {
    return 'nested quantifier: a repeated group contains another repeat (e.g. `(a+)+`)'
  }

  if (repeats && isNullable(node.body)) {
    return 'a quantifier repeats something that can match the empty string (e.g. `(a?)*`)'
  }

  return walk(node.body, repeats ? {unbounded: unbounded || (outer?.unbounded ?? false)} : outer)
}

function overlappingBranches(branches: RegexNode[]): null | string {
  if (branches.some((branch) => isNullable(branch))) {
    return 'an alternation inside a repeat has a branch that can match the empty string'
  }

  const sets = branches.map((branch) => firstChars(branch))
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      if (intersects(sets[i], sets[j])) {
        return 'overlapping alternation under a quantifier: two branches can start with the same character (e.g. `(a|ab)*`)'
      }
    }
  }

  return null
}

function first<T>(items: readonly T[], check: (item: T) => null | string): null | string {
  for (const item of items) {
    const problem = check(item)
    if (problem) return problem
  }

  return null
}

/** True when `node` can match the empty string. */
function isNullable(node: RegexNode): boolean {
  switch (node.type) {
    case 'alt': {
      return node.branches.some((branch) => isNullable(branch))
    }

    case 'seq': {
      return node.items.every((item) => isNullable(item))
    }

    case 'repeat': {
      return node.min === 0 || isNullable(node.body)
    }

    case 'char': {
      return false
    }

    default: {
      return true // assertions, lookarounds and backreferences may consume nothing
    }
  }
}

/** The characters a match of `node` can start with (lookarounds and assertions add none). */
function firstChars(node: RegexNode): CharSet {
  switch (node.type) {
    case 'char': {
      return node.set
    }

    case 'alt': {
      return union(...node.branches.map((branch) => firstChars(branch)))
    }

    case 'repeat': {
      return firstChars(node.body)
    }

    case 'seq': {
      const sets: CharSet[] = []
      for (const item of node.items) {
        sets.push(firstChars(item))
        if (!isNullable(item)) break
      }

      return union(...sets)
    }

    case 'backref': {
      return anyChar()
    }

    default: {
      return noChar()
    }
  }
}
