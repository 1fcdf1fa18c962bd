/**
 * `decnet rules test`: what the rules make of one input, a command as an
 * attacker would type it, an HTTP request (`GET /path HTTP/1.1`, optionally
 * followed by header lines, a blank line and a body) or a whole DECNET log
 * line (RFC 5424), read the way the `ttp` worker reads a stored line.
 */
import type {AttackCatalog} from './attack-catalog.js'
import type {Matcher} from './matcher.js'
import type {RuleField} from './rule-schema.js'
import type {NewTtpTag} from '../db/schema.js'
import type {AuthRules} from './auth/auth-rules.js'
import type {CountingRule} from './auth/counting-rules.js'
import type {ParsedLine} from '../logs/parse.js'

import {escapeControl} from '../ingest/escape-control.js'
import {extractCommand} from '../logs/command.js'
import {databaseText} from '../logs/database-query.js'
import {emailText} from '../logs/email-message.js'
import {fileText} from '../logs/file-capture.js'
import {httpRequestText} from '../logs/http-request.js'
import {networkText} from '../logs/network-event.js'
import {parseLine} from '../logs/parse.js'
import {countLines} from './auth/count-lines.js'

/** An input `decnet rules test` cannot read (a log line that does not parse). */
export class RuleInputError extends Error {
  override readonly name: string = 'RuleInputError'
}

/** One technique a firing rule emits, with its catalog names. */
export interface TestTechnique {
  readonly id: string
  readonly name: string
  readonly tactic: string
  readonly tacticName: string
  readonly confidence: number
  /** The technique's page on attack.mitre.org. */
  readonly url: null | string
}

/** One rule that fired. */
export interface TestHit {
  readonly rule: string
  readonly version: number
  /** The input kind it read. */
  readonly field: string
  readonly evidence: string
  readonly techniques: readonly TestTechnique[]
  /** For several log lines: the line (from 1) the rule fired on. */
  readonly line?: number
}

/** What the rules made of the input. */
export interface RuleTestResult {
  /** `command`: the input was a command; `http request`: a request line; `log line`: a DECNET log line; `log lines`: several, in log order. */
  readonly input: 'command' | 'http request' | 'log line' | 'log lines'
  /** For several log lines: how many. */
  readonly lines?: number
  /** For a log line: its event type (MSGID). */
  readonly eventType?: string
  /** The command the rules read; null when the input holds none. */
  readonly command: null | string
  /** The HTTP request the rules read (`METHOD PATH`, header lines, body); null when the input holds none. */
  readonly http: null | string
  /**
   * For a log line: the texts of the other input kinds it holds (database
   * command, mail, captured file, network sensor event), by field.
   */
  readonly other?: Partial<Record<Exclude<RuleField, 'command' | 'http'>, string>>
  readonly hits: readonly TestHit[]
  readonly attackVersion: string
  /** With `--rule`: the rule the hits are limited to, its kind and state (a rule that is not active does not fire). */
  readonly rule?: {readonly id: string; readonly kind: 'counting' | 'pattern'; readonly state: string}
}

const LOG_LINE = /^<\d{1,3}>1 /
const REQUEST_LINE = /^([A-Z]{3,10}) ((?:\/|https?:\/\/)\S*)(?: HTTP\/\d(?:\.\d)?)?\r?(?=\n|$)/

/** Whether `input` is DECNET log lines (what the counting rules read), rather than a command or a request. */
export function isLogInput(input: string): boolean {
  return LOG_LINE.test(input)
}

/**
 * Runs `matcher` over `input`: a DECNET log line when it starts like one
 * (`<PRI>1 `), else a command.
 *
 * @example
 * ```ts
 * testRules('uname -a; cat /etc/shadow', matcher, catalog).hits.map((hit) => hit.rule)
 * // ['credential-access.shadow-file', 'discovery.system-info']
 * ```
 * @throws RuleInputError for a log line that does not parse.
 */
export function testRules(input: string, matcher: Matcher, catalog: AttackCatalog, auth?: AuthRules): RuleTestResult {
  const attackVersion = catalog.version
  const several = input.replace(/\r?\n$/, '').split(/\r?\n/).filter((line) => line !== '')
  if (auth !== undefined && several.length > 1 && LOG_LINE.test(input)) return testLogLines(several, matcher, catalog, auth)
  const request = REQUEST_LINE.exec(input)
  if (request !== null) {
    const http = `${request[1]} ${request[2]}${input.slice(request[0].length).replaceAll('\r\n', '\n')}`
    return {attackVersion, command: null, hits: hitsFor('http', http, matcher, catalog), http, input: 'http request'}
  }

  if (!LOG_LINE.test(input)) return {attackVersion, command: input, hits: hitsFor('command', input, matcher, catalog), http: null, input: 'command'}
  const parsed = parseLine(input.replace(/\r?\n$/, ''))
  if (!parsed.ok) throw new RuleInputError(`the input looks like a DECNET log line but does not parse: ${parsed.reason}`)
  const {line} = parsed
  const {command, hits, http, other} = lineHits(line, matcher, catalog)
  if (auth !== undefined) hits.push(...countingHits([line], auth, catalog, false))
  return {attackVersion, command, eventType: line.eventType, hits, http, input: 'log line', other}
}

/** What one log line gives each rule input field (command, HTTP request, and the other kinds), and the rules that fire on them. */
function lineHits(line: ParsedLine, matcher: Matcher, catalog: AttackCatalog): {command: null | string; hits: TestHit[]; http: null | string; other: Partial<Record<Exclude<RuleField, 'command' | 'http'>, string>>} {
  const source = {event_type: line.eventType, fields: line.fields}
  const command = extractCommand({...source, msg: line.msg})
  const http = httpRequestText(source)
  const other: Partial<Record<Exclude<RuleField, 'command' | 'http'>, string>> = {}
  for (const [field, text] of [['database', databaseText(source)], ['email', emailText(source)], ['file', fileText(source)], ['network', networkText(source)]] as const) {
    if (text !== null) other[field] = text
  }

  const texts: Array<[RuleField, null | string]> = [['command', command], ['http', http], ...(Object.entries(other) as Array<[RuleField, string]>)]
  const hits = texts.flatMap(([field, text]) => (text === null ? [] : hitsFor(field, text, matcher, catalog)))
  return {command, hits, http, other}
}

/**
 * Several DECNET log lines, in log order: each line's rules, then the
 * counting rules over the sequence (as the worker would tag it with no
 * earlier lines of the same attackers).
 */
function testLogLines(texts: readonly string[], matcher: Matcher, catalog: AttackCatalog, auth: AuthRules): RuleTestResult {
  const lines = texts.map((text, index) => {
    const parsed = parseLine(text)
    if (!parsed.ok) throw new RuleInputError(`line ${index + 1} looks like a DECNET log line but does not parse: ${parsed.reason}`)
    return parsed.line
  })
  const hits: TestHit[] = []
  for (const [index, line] of lines.entries()) {
    hits.push(...lineHits(line, matcher, catalog).hits.map((hit) => ({...hit, line: index + 1})))
  }

  hits.push(...countingHits(lines, auth, catalog, true))
  return {attackVersion: catalog.version, command: null, hits, http: null, input: 'log lines', lines: lines.length}
}

/** The counting rules' hits over `lines` (log ids from 1), one per rule and line. */
function countingHits(lines: readonly ParsedLine[], auth: AuthRules, catalog: AttackCatalog, numbered: boolean): TestHit[] {
  const counted = lines.map((line, index) => ({
    fields: line.fields,
    row: {attacker_ip: line.attackerIp, decky: line.decky, event_type: line.eventType, id: index + 1, msg: line.msg, service: line.service, timestamp: line.timestamp ?? ''},
  }))
  const byHit = new Map<string, {rule: CountingRule; tags: NewTtpTag[]}>()
  for (const tag of countLines(counted, auth, catalog.version)) {
    const key = `${tag.log_id}\n${tag.rule_id}`
    const entry = byHit.get(key)
    if (entry === undefined) byHit.set(key, {rule: auth.rules.get(tag.rule_id)!, tags: [tag]})
    else entry.tags.push(tag)
  }

  return [...byHit.values()].map(({rule, tags}) => ({
    evidence: tags[0].evidence,
    field: rule.input,
    rule: rule.id,
    techniques: tags.map((tag) => techniqueOf(tag.sub_technique_id ?? tag.technique_id, tag.tactic, tag.confidence, catalog)),
    version: rule.version,
    ...(numbered ? {line: tags[0].log_id} : {}),
  }))
}

function techniqueOf(id: string, tactic: string, confidence: number, catalog: AttackCatalog): TestTechnique {
  return {
    confidence,
    id,
    name: catalog.technique(id)?.name ?? id,
    tactic,
    tacticName: catalog.tactic(tactic)?.name ?? tactic,
    url: catalog.technique(id)?.url ?? null,
  }
}

function hitsFor(field: RuleField, text: string, matcher: Matcher, catalog: AttackCatalog): TestHit[] {
  return matcher.hits(field, text).map(({evidence, rule}) => ({
    evidence,
    field: rule.field,
    rule: rule.id,
    techniques: rule.emits.map((emit) => {
      const id = emit.subTechnique ?? emit.technique
      return {
        confidence: emit.confidence ?? rule.confidence,
        id,
        name: catalog.technique(id)?.name ?? id,
        tactic: emit.tactic,
        tacticName: catalog.tactic(emit.tactic)?.name ?? emit.tactic,
        url: catalog.technique(id)?.url ?? null,
      }
    }),
    version: rule.version,
  }))
}

/** The result as text for a terminal (the input and evidence escaped). */
export function formatRuleTest(result: RuleTestResult): string {
  const lines: string[] = []
  if (result.rule !== undefined && result.rule.state !== 'active') {
    lines.push(`rule ${result.rule.id} is ${result.rule.state}: it does not fire (decnet rules list shows its state)`)
  }

  if (result.input === 'log line') {
    const read = [result.command === null ? '' : `command ${escapeControl(result.command)}`, result.http === null ? '' : `HTTP request ${escapeControl(result.http.split('\n')[0])}`]
    for (const [field, text] of Object.entries(result.other ?? {})) read.push(`${field} ${escapeControl(text.split('\n')[0])}`)
    const what = read.filter((part) => part !== '').join('; ')
    lines.push(`log line (${escapeControl(result.eventType ?? '-')}): ${what === '' ? 'no command, HTTP request, database command, mail, file or network event in it: no rule reads this kind of line yet' : what}`)
  }

  const none = result.rule === undefined ? 'no rule fires' : `${result.rule.id} does not fire`
  if (result.input === 'log lines') lines.push(`${result.lines} log lines${result.hits.length === 0 ? `: ${none} (ATT&CK ${result.attackVersion})` : ''}`)

  const read = result.command !== null || result.http !== null || Object.keys(result.other ?? {}).length > 0
  if (result.hits.length === 0 && read) lines.push(`${none} (ATT&CK ${result.attackVersion})`)
  for (const hit of result.hits) {
    lines.push(`${hit.line === undefined ? '' : `line ${hit.line}: `}${hit.rule} (v${hit.version}, ${hit.field}): ${escapeControl(hit.evidence)}`)
    for (const technique of hit.techniques) {
      lines.push(`  ${technique.id.padEnd(9)} ${technique.name}  [${technique.tactic} ${technique.tacticName}, confidence ${technique.confidence}]`)
    }
  }

  return `${lines.join('\n')}\n`
}
