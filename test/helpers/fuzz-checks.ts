/**
 * The CPU-bound halves of the fuzz tests, run in a child process so that a
 * hang (a regular expression backtracking forever blocks its thread) can be
 * killed and reported instead of freezing the test runner:
 *
 *   node --import tsx test/helpers/fuzz-checks.ts parser SEED COUNT
 *   node --import tsx test/helpers/fuzz-checks.ts matcher SEED
 *
 * Both regenerate their inputs from the seed (see fuzz.ts), check every
 * invariant, and print one JSON summary line: `{checked, problems: [...], ...}`.
 * Use {@link runFuzzChecks} from a test.
 */
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import type {ParseResult} from '../../src/logs/parse.js'
import type {RuleSet} from '../../src/ttp/rule-loader.js'
import {createRandom, fuzzLines, hostileCommands, hostileCommandSets} from './fuzz.js'

const SELF = fileURLToPath(import.meta.url)

/** A check that failed, and on which input. */
export interface FuzzProblem {
  readonly index: number
  readonly kind?: string
  readonly problem: string
  readonly text?: string
}

/** How many texts of one kind the parser accepted and rejected. */
export interface KindCounts {
  accepted: number
  rejected: number
}

/** What `parser` prints. */
export interface ParserSummary {
  readonly accepted: number
  readonly checked: number
  readonly kinds: Record<string, KindCounts>
  readonly problems: FuzzProblem[]
}

/** What `matcher` prints. */
export interface MatcherSummary {
  readonly checked: number
  /** How many of the texts are generic (every rule runs over them). */
  readonly generic: number
  readonly hits: number
  readonly problems: FuzzProblem[]
  readonly regexRuns: number
  readonly rules: number
  readonly tags: number
}

/** The summary each mode prints. */
export interface FuzzSummaries {
  matcher: MatcherSummary
  parser: ParserSummary
}

/**
 * Runs a check in a child process; rejects (after killing it) when it has not
 * finished within `timeoutMs`: a hang guard, not a speed assertion.
 */
export function runFuzzChecks<M extends keyof FuzzSummaries>(mode: M, args: readonly (number | string)[], {timeoutMs = 60_000}: {timeoutMs?: number} = {}): Promise<FuzzSummaries[M]> {
  // This file is TypeScript: the child runs it through tsx, as the test runner does.
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, mode, ...args.map(String)], {stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`fuzz ${mode} ${args.join(' ')} did not finish within ${timeoutMs} ms (a hang?); stderr: ${stderr}`))
    }, timeoutMs)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`fuzz ${mode} exited with code ${code} (signal ${signal}): ${stderr}`))
      resolve(JSON.parse(stdout) as FuzzSummaries[M])
    })
  })
}

/** The shipped rules (with literals and examples). */
export async function shippedRules(): Promise<RuleSet> {
  const {loadRules} = await import('../../src/ttp/rule-loader.js')
  return loadRules()
}

/** Every line through parseLine (and the log semantics the workers apply to what it accepts). */
async function checkParser(seed: number, count: number): Promise<ParserSummary> {
  const {parseLine} = await import('../../src/logs/parse.js')
  const {attackerIp, classifyAuth, extractCommand} = await import('../../src/logs/index.js')
  const {rules} = await shippedRules()
  const rng = createRandom(seed)
  const lines = fuzzLines(rng, count, hostileCommands(rng, rules))
  const texts: {kind: string; text: string; valid: boolean}[] = []
  for (const {bytes, kind, valid} of lines) {
    const text = bytes.toString('utf8')
    texts.push({kind, text, valid})
    // what a file cannot carry but a caller could pass: lone surrogates, and the bytes read as latin1
    texts.push({kind: `${kind}+surrogate`, text: `${text.slice(0, 40)}\uD800${text.slice(40)}\uDFFF`, valid: false})
    if (rng.chance(0.2)) texts.push({kind: `${kind}+latin1`, text: bytes.toString('latin1'), valid: false})
  }

  const problems: FuzzProblem[] = []
  const kinds: Record<string, KindCounts> = {}
  let accepted = 0
  for (const [index, {kind, text, valid}] of texts.entries()) {
    const stats = (kinds[kind] ??= {accepted: 0, rejected: 0})
    let result: ParseResult
    try {
      result = parseLine(text)
      if (result.ok) {
        const {line} = result
        const row = {event_type: line.eventType, fields: JSON.stringify(line.fields), msg: line.msg}
        extractCommand(row)
        classifyAuth(row)
        attackerIp(line.fields, line.msg)
      }
    } catch (error) {
      problems.push({index, kind, problem: `threw: ${(error as Error).stack}`})
      continue
    }

    if (result.ok) {
      accepted++
      stats.accepted++
    } else {
      stats.rejected++
      if (typeof result.reason !== 'string' || result.reason.trim() === '') problems.push({index, kind, problem: `rejected without a reason: ${JSON.stringify(result)}`})
    }

    if (valid && !result.ok) problems.push({index, kind, problem: `a valid line was rejected (${result.reason}): ${text.slice(0, 200)}`})
    if (kind === 'huge' && result.ok) problems.push({index, kind, problem: 'a line over 1 MB was accepted'})
  }

  return {accepted, checked: texts.length, kinds, problems}
}

/**
 * Rules, besides its own, each text made from one rule's literals and
 * examples runs through (drawn per text from the seed). Every rule over every
 * such text grows with the square of the pack (156 rules: 72 s of a CI run);
 * the texts most likely to make a pattern backtrack are those made from its
 * own literals, which it always gets, and the generic texts, which every rule
 * gets; across seeds, every pair is drawn in turn.
 */
export const CROSS_RULES = 12

/**
 * Every shipped rule's regular expression over every generic hostile text and
 * over the texts made from its own literals and examples, plus
 * {@link CROSS_RULES} other rules' over each of those; and the matcher and
 * tagger, as the worker runs them, over every text.
 */
async function checkMatcher(seed: number): Promise<MatcherSummary> {
  const {MAX_TEXT_LENGTH, Matcher} = await import('../../src/ttp/matcher.js')
  const {tagLogs} = await import('../../src/ttp/tagger.js')
  const {rules} = await shippedRules()
  const rng = createRandom(seed)
  const {generic, targeted} = hostileCommandSets(rng, rules)
  const texts = [...generic.map((text) => ({rule: -1, text})), ...targeted]
  const matcher = new Matcher(rules)
  const problems: FuzzProblem[] = []
  let hits = 0
  let tags = 0
  let regexRuns = 0
  for (const [index, {rule: own, text}] of texts.entries()) {
    try {
      // past the prefilter: the worst case for each pattern
      const capped = text.slice(0, MAX_TEXT_LENGTH)
      const runs = own < 0 ? rules : [rules[own], ...Array.from({length: Math.min(CROSS_RULES, rules.length - 1)}, () => rules[(own + 1 + rng.int(0, rules.length - 2)) % rules.length])]
      for (const rule of runs) {
        rule.regex.lastIndex = 0
        rule.regex.exec(capped)
        regexRuns++
      }

      // a text made from a rule goes through the matcher as the input kind that rule reads (command, http, database, email, file, network)
      hits += matcher.hits(own < 0 ? 'command' : rules[own].field, text).length
      const row = {attacker_ip: '203.0.113.7', event_type: 'command', fields: JSON.stringify({command: text}), id: index + 1, msg: null, timestamp: '2026-11-26T13:32:51.000Z'}
      const batch = tagLogs([row, {...row, fields: '{}', id: index + 100_000, msg: `CMD uid=0 user=root src=203.0.113.7 pwd=/ cmd=${text}`}], matcher)
      tags += batch.tags.length
      for (const tag of batch.tags) {
        if (tag.evidence.length > 201) problems.push({index, problem: `evidence of ${tag.evidence.length} characters from rule ${tag.rule_id}`})
      }
    } catch (error) {
      problems.push({index, problem: `threw: ${(error as Error).stack}`, text: text.slice(0, 100)})
    }
  }

  return {checked: texts.length, generic: generic.length, hits, problems, regexRuns, rules: rules.length, tags}
}

if (process.argv[1] === SELF) {
  const [mode, seed, count] = process.argv.slice(2)
  const summary = mode === 'parser' ? await checkParser(Number(seed), Number(count)) : await checkMatcher(Number(seed))
  process.stdout.write(`${JSON.stringify(summary)}\n`)
}
