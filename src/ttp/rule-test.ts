/**
 * `decnet rules test`: what the rules make of one input, a command as an
 * attacker would type it, an HTTP request (`GET /path HTTP/1.1`, optionally
 * followed by header lines, a blank line and a body) or a whole DECNET log
 * line (RFC 5424), read the way the `ttp` worker reads a stored line.
 */
import type {AttackCatalog} from './attack-catalog.js'
import type {Matcher} from './matcher.js'
import type {RuleField} from './rule-schema.js'

import {escapeControl} from '../ingest/escape-control.js'
import {extractCommand} from '../logs/command.js'
import {databaseText} from '../logs/database-query.js'
import {emailText} from '../logs/email-message.js'
import {fileText} from '../logs/file-capture.js'
import {httpRequestText} from '../logs/http-request.js'
import {networkText} from '../logs/network-event.js'
import {parseLine} from '../logs/parse.js'

/** An input `decnet rules test` cannot read (a log line that does not parse). */
export class RuleInputError extends Error {
  override readonly name = 'RuleInputError'
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
}

/** What the rules made of the input. */
export interface RuleTestResult {
  /** `command`: the input was a command; `http request`: a request line; `log line`: a DECNET log line. */
  readonly input: 'command' | 'http request' | 'log line'
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
}

const LOG_LINE = /^<\d{1,3}>1 /
const REQUEST_LINE = /^([A-Z]{3,10}) ((?:\/|https?:\/\/)\S*)(?: HTTP\/\d(?:\.\d)?)?\r?(?=\n|$)/

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
export function testRules(input: string, matcher: Matcher, catalog: AttackCatalog): RuleTestResult {
  const attackVersion = catalog.version
  const request = REQUEST_LINE.exec(input)
  if (request !== null) {
    const http = `${request[1]} ${request[2]}${input.slice(request[0].length).replaceAll('\r\n', '\n')}`
    return {attackVersion, command: null, hits: hitsFor('http', http, matcher, catalog), http, input: 'http request'}
  }

  if (!LOG_LINE.test(input)) return {attackVersion, command: input, hits: hitsFor('command', input, matcher, catalog), http: null, input: 'command'}
  const parsed = parseLine(input.replace(/\r?\n$/, ''))
  if (!parsed.ok) throw new RuleInputError(`the input looks like a DECNET log line but does not parse: ${parsed.reason}`)
  const {line} = parsed
  const source = {event_type: line.eventType, fields: line.fields}
  const command = extractCommand({...source, msg: line.msg})
  const http = httpRequestText(source)
  const other: Partial<Record<Exclude<RuleField, 'command' | 'http'>, string>> = {}
  for (const [field, text] of [['database', databaseText(source)], ['email', emailText(source)], ['file', fileText(source)], ['network', networkText(source)]] as const) {
    if (text !== null) other[field] = text
  }

  const texts: Array<[RuleField, null | string]> = [['command', command], ['http', http], ...(Object.entries(other) as Array<[RuleField, string]>)]
  const hits = texts.flatMap(([field, text]) => (text === null ? [] : hitsFor(field, text, matcher, catalog)))
  return {attackVersion, command, eventType: line.eventType, hits, http, input: 'log line', other}
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
  if (result.input === 'log line') {
    const read = [result.command === null ? '' : `command ${escapeControl(result.command)}`, result.http === null ? '' : `HTTP request ${escapeControl(result.http.split('\n')[0])}`]
    for (const [field, text] of Object.entries(result.other ?? {})) read.push(`${field} ${escapeControl(text.split('\n')[0])}`)
    const what = read.filter((part) => part !== '').join('; ')
    lines.push(`log line (${escapeControl(result.eventType ?? '-')}): ${what === '' ? 'no command, HTTP request, database command, mail, file or network event in it: no rule reads this kind of line yet' : what}`)
  }

  const read = result.command !== null || result.http !== null || Object.keys(result.other ?? {}).length > 0
  if (result.hits.length === 0 && read) lines.push(`no rule fires (ATT&CK ${result.attackVersion})`)
  for (const hit of result.hits) {
    lines.push(`${hit.rule} (v${hit.version}, ${hit.field}): ${escapeControl(hit.evidence)}`)
    for (const technique of hit.techniques) {
      lines.push(`  ${technique.id.padEnd(9)} ${technique.name}  [${technique.tactic} ${technique.tacticName}, confidence ${technique.confidence}]`)
    }
  }

  return `${lines.join('\n')}\n`
}
