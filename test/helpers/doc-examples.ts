/**
 * Example transcripts in the README and docs/*.md, and how to tell whether a
 * transcript is what the commands really print.
 *
 * A tested example is a fenced block right under a marker line:
 *
 *     <!-- example: SCENARIO -->
 *     ```
 *     $ decnet fleet list
 *     heavy  (profile database, plugin decnet)
 *     ...
 *     ```
 *
 * Lines starting with `$ ` are commands (run by bash, where `decnet` is this
 * checkout's CLI); the lines after each are what it prints (stdout and stderr
 * as one stream). SCENARIO names the setup the commands run in
 * (test/docs/example-scenarios.js).
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

/** A fenced block of a markdown file. */
export interface FencedBlock {
  readonly file: string
  /** The block's place among the file's blocks. */
  readonly index: number
  /** The opening fence's line index. */
  readonly start: number
  /** The closing fence's line index. */
  readonly end: number
  /** The lines inside, the fence's indentation removed. */
  readonly lines: string[]
  /** The scenario of the `<!-- example: SCENARIO -->` marker right above it, or null. */
  readonly scenario: string | null
}

/** One command of a transcript and the lines it printed. */
export interface TranscriptStep {
  readonly command: string
  readonly output: string[]
}

const MARKER = /^<!-- example: ([a-z0-9-]+) -->$/
const FENCE = /^ *```/

/** The markdown files whose examples are checked: README.md and docs/*.md. */
export function documentFiles(repo: string): string[] {
  const docs = readdirSync(join(repo, 'docs')).filter((name) => name.endsWith('.md')).sort()
  return ['README.md', ...docs.map((name) => join('docs', name))]
}

/**
 * Every fenced block of a markdown text: its first line's index (the fence),
 * the lines inside, and the scenario of the marker right above it (or null).
 */
export function fencedBlocks(file: string, text: string): FencedBlock[] {
  const lines = text.split('\n')
  const blocks: FencedBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i])) continue
    const indent = lines[i].indexOf('`')
    let end = i + 1
    while (end < lines.length && !FENCE.test(lines[end])) end++
    const marker = i > 0 ? MARKER.exec(lines[i - 1].trim()) : null
    blocks.push({
      end,
      file,
      index: blocks.length,
      lines: lines.slice(i + 1, end).map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))),
      scenario: marker ? marker[1] : null,
      start: i,
    })
    i = end
  }

  return blocks
}

/**
 * Splits a transcript into its commands and what each printed.
 */
export function transcriptSteps(lines: readonly string[]): TranscriptStep[] {
  const steps: TranscriptStep[] = []
  for (const line of lines) {
    const last = steps.at(-1)
    if (line.startsWith('$ ')) steps.push({command: line.slice(2), output: []})
    else if (last) last.output.push(line)
    else throw new Error(`an example must start with a "$ " command line, got ${JSON.stringify(line)}`)
  }

  return steps
}

/**
 * What may differ between two runs of the same commands: process ids, times
 * and durations, memory sizes, the home directory, and so the width of table
 * columns (runs of spaces count as two) and where an error's lines wrap. Both sides are compared through this.
 */
export function normalizeOutput(text: string, home?: string): string {
  let out = text
  if (home) out = out.split(home).join('~')
  return out
    .replace(/\/root(?=\/|\b)/g, '~')
    .replace(/\/home\/[a-z_][a-z0-9_-]*(?=\/)/g, '~')
    .replace(/\bpid \d+/g, 'pid N')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIMESTAMP')
    .replace(/\b\d\d:\d\d:\d\dZ/g, 'HH:MM:SSZ')
    .replace(/\b(\d+h )?\d+m\b/g, 'N s')
    .replace(/\b\d+(\.\d+)? ?(ms|s)\b/g, 'N s')
    .replace(/\b\d+(\.\d+)? (KiB|MiB|GiB)\b/g, 'N MiB')
    .replace(/^(\s*[a-z][\w-]*\s+\w+\s+)\d+(?=\s)/gm, '$1N')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n ›   /g, ' ') // oclif wraps an error's lines at the terminal's width
    .replace(/(\S)[ \t]{2,}/g, '$1  ')
}

/** Reads every marked example of the repository's documents. */
export function markedExamples(repo: string): FencedBlock[] {
  return documentFiles(repo).flatMap((file) => fencedBlocks(file, readFileSync(join(repo, file), 'utf8')).filter((block) => block.scenario !== null))
}
