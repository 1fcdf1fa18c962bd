/**
 * Splits a shell command line into its simple commands, in one pass that
 * respects quotes, escapes and comments, so a rule's view of a long line can
 * be cut per simple command rather than per line.
 */

/**
 * What separates a simple command from the next one: `list` for `;`, `&`,
 * `&&`, `||`, `;;` and newlines; `pipe` for `|`, `|&` and the edges of
 * `$(...)`, `(...)` and backquotes (the command goes on around them); `end`
 * after the last one.
 */
export type CommandBoundary = 'end' | 'list' | 'pipe'

/** One simple command: a span of the line, blanks around it excluded. */
export interface SimpleCommand {
  /** Index of its first non-blank character. */
  readonly start: number
  /** Index just after its last non-blank character. */
  readonly end: number
  /** The strongest boundary between it and the next simple command. */
  readonly next: CommandBoundary
}

/** What {@link splitSimpleCommands} found. */
export interface CommandSplit {
  /** The non-empty simple commands, in order; spans never overlap. */
  readonly commands: SimpleCommand[]
  /** Characters read: each character of the line once, so never more than its length (tests count this). */
  readonly examined: number
}

// Quote states. ANSI-C `$'...'` takes backslash escapes like double quotes, but no substitutions.
const NONE = 0
const SINGLE = 1
const DOUBLE = 2
const ANSI = 3

const STRENGTH: Record<CommandBoundary, number> = {end: 2, list: 2, pipe: 1}

/**
 * The simple commands of `line`: separated by `;` `&` `&&` `||` `|` `|&`
 * and newlines, and by the edges of `$(...)`, `(...)` and backquotes, but
 * not by any of these inside single quotes, double quotes (where `$(` and
 * backquotes still open a command) or `$'...'`, nor when escaped with a
 * backslash, nor inside a `#` comment (which runs to the end of the line).
 * `>&`, `<&`, `&>` and `>|` are redirections, not separators.
 *
 * One pass, no recursion: the work is linear in the length of the line
 * whatever it holds (unbalanced quotes or `$(`, a million nested `$(`: the
 * only state that grows is one small number per open `$(`). What is not
 * closed runs to the end of the line.
 *
 * @example
 * ```ts
 * const {commands} = splitSimpleCommands(`echo 'a;b' && cat /etc/shadow | nc x 1`)
 * commands.map(({start, end}) => line.slice(start, end)) // ["echo 'a;b'", 'cat /etc/shadow', 'nc x 1']
 * ```
 */
export function splitSimpleCommands(line: string): CommandSplit {
  const commands: Array<{start: number; end: number; next: CommandBoundary}> = []
  const n = line.length
  // the quote state each open `$(` interrupted, restored at its `)`; and bare `(` open in the current one
  const outerQuotes: number[] = []
  const outerParens: number[] = []
  let parens = 0
  let quote = NONE
  let comment = false
  let wordStart = true
  let start = -1 // first non-blank of the current simple command, -1 when none yet
  let end = -1
  let examined = 0

  const boundary = (kind: CommandBoundary): void => {
    wordStart = true
    if (start !== -1) {
      commands.push({end, next: kind, start})
      start = -1
      return
    }

    // an empty command (`;;`, `a; ; b`): the boundary still counts for the command before it
    const last = commands.at(-1)
    if (last !== undefined && STRENGTH[kind] > STRENGTH[last.next]) last.next = kind
  }

  const mark = (from: number, to: number): void => {
    if (start === -1) start = from
    end = to
  }

  let at = 0
  while (at < n) {
    const c = line.charCodeAt(at)
    examined++
    if (comment) {
      if (c === 10) {
        comment = false
        boundary('list')
      }

      at++
      continue
    }

    if (quote === SINGLE) {
      if (c === 39) quote = NONE
      mark(at, at + 1)
      at++
      continue
    }

    if (quote === DOUBLE || quote === ANSI) {
      if (c === 92 && at + 1 < n) {
        // an escaped character, read with its backslash
        examined++
        mark(at, at + 2)
        at += 2
        continue
      }

      if ((quote === DOUBLE && c === 34) || (quote === ANSI && c === 39)) {
        quote = NONE
        mark(at, at + 1)
      } else if (quote === DOUBLE && c === 36 && line.charCodeAt(at + 1) === 40) {
        examined++
        at = openSubstitution(at)
        continue
      } else if (quote === DOUBLE && c === 96) {
        boundary('pipe')
      } else {
        mark(at, at + 1)
      }

      at++
      continue
    }

    switch (c) {
      case 92: {
        // a backslash: the next character is a plain one (a backslash-newline joins lines)
        if (at + 1 < n) examined++
        if (line.charCodeAt(at + 1) !== 10) mark(at, Math.min(n, at + 2))
        wordStart = false
        at += 2
        continue
      }

      case 39: {
        quote = SINGLE
        break
      }

      case 34: {
        quote = DOUBLE
        break
      }

      case 36: {
        const next = line.charCodeAt(at + 1)
        if (next === 40) {
          examined++
          at = openSubstitution(at)
          continue
        }

        if (next === 39) {
          examined++
          quote = ANSI
          mark(at, at + 2)
          wordStart = false
          at += 2
          continue
        }

        break
      }

      case 35: {
        if (wordStart) {
          comment = true
          at++
          continue
        }

        break
      }

      case 40: {
        parens++
        boundary('pipe')
        at++
        continue
      }

      case 41: {
        if (parens > 0) {
          parens--
        } else if (outerQuotes.length > 0) {
          quote = outerQuotes.pop()!
          parens = outerParens.pop()!
        }

        boundary('pipe')
        // back inside the double quotes `"$(` opened from: the rest of the word belongs to the command
        if (quote !== NONE) wordStart = false
        at++
        continue
      }

      case 96: {
        boundary('pipe')
        at++
        continue
      }

      case 59:
      case 10: {
        boundary('list')
        at++
        continue
      }

      case 38: {
        const previous = line.charCodeAt(at - 1)
        const next = line.charCodeAt(at + 1)
        if (previous === 62 || previous === 60 || next === 62) break // `>&`, `<&`, `&>`: a redirection
        if (next === 38) {
          examined++
          at++
        }

        boundary('list')
        at++
        continue
      }

      case 124: {
        if (line.charCodeAt(at - 1) === 62) break // `>|`: a redirection
        const next = line.charCodeAt(at + 1)
        if (next === 124 || next === 38) {
          examined++
          at++
        }

        boundary(next === 124 ? 'list' : 'pipe')
        at++
        continue
      }

      case 32:
      case 9:
      case 13:
      case 11:
      case 12: {
        wordStart = true
        at++
        continue
      }

      default: {
        break
      }
    }

    mark(at, at + 1)
    wordStart = false
    at++
  }

  if (start !== -1) commands.push({end, next: 'end', start})
  return {commands, examined}

  /** `$(` at `at`: a new command starts inside, in no quote; returns the index after `$(`. */
  function openSubstitution(at: number): number {
    outerQuotes.push(quote)
    outerParens.push(parens)
    quote = NONE
    parens = 0
    boundary('pipe')
    return at + 2
  }
}
