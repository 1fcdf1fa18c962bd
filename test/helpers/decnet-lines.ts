/**
 * DECNET log lines as its deckies write them (RFC 5424, one `relay@55555`
 * element, DECNET-EVENTS.md §0), and the stored rows ingest makes of them.
 */
import assert from 'node:assert/strict'

import type {NewLog} from '../../src/db/schema.js'
import {parseLine} from '../../src/logs/parse.js'
import type {TtpLog} from '../../src/ttp/tagger.js'

/** One SD value escaped as DECNET escapes it (`\`, `"` and `]`). */
function escapeSd(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll(']', '\\]')
}

/**
 * A DECNET line from decky `host`, service `app`, event `eventType` with SD
 * `fields` (in order) and an optional MSG.
 *
 * @example
 * ```ts
 * decnetLine('cache-01', 'redis', 'command', {src: '198.51.100.9', cmd: 'FLUSHALL', args: '[]'})
 * ```
 */
export function decnetLine(host: string, app: string, eventType: string, fields: Readonly<Record<string, string>>, msg = '', timestamp = '2026-11-26T13:32:51.000000+00:00'): string {
  const sd = Object.entries(fields).map(([name, value]) => `${name}="${escapeSd(value)}"`).join(' ')
  return `<134>1 ${timestamp} ${host} ${app} - ${eventType} [relay@55555 ${sd}]${msg === '' ? '' : ` ${msg}`}`
}

/** The `logs` row ingest stores for `line` (which must parse). */
export function storedLog(line: string): NewLog {
  const parsed = parseLine(line)
  assert.ok(parsed.ok, parsed.ok ? '' : `${parsed.reason}: ${line}`)
  const {line: p} = parsed
  return {
    attacker_ip: p.attackerIp,
    decky: p.decky,
    event_type: p.eventType,
    fields: JSON.stringify(p.fields),
    msg: p.msg,
    raw_line: line,
    service: p.service,
    timestamp: p.timestamp!,
  }
}

/** The row the ttp tagger reads for `line`, with log id `id`. */
export function ttpLog(line: string, id: number): TtpLog {
  const {attacker_ip, event_type, fields, msg, timestamp} = storedLog(line)
  return {attacker_ip: attacker_ip ?? null, event_type, fields, id, msg: msg ?? null, timestamp}
}
