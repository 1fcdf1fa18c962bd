/**
 * The HTTP request an event describes, as one text the `http` rules read:
 *
 * ```
 * METHOD PATH
 * Header-Name: value
 * ...
 *
 * BODY
 * ```
 *
 * DECNET's http/https deckies (and docker_api, k8s, elasticsearch) log a
 * `request` event per request with `method`, `path` (no query string),
 * `headers` (a JSON object for http, a Python-repr dict for https: then kept
 * as its raw text) and the first 512 characters of `body`. The fingerprint and
 * access events (`http_request_fingerprint`, `http_access`) describe the same
 * requests again and are not read, so one request is tagged once. Each part
 * is bounded, so the text never exceeds {@link MAX_HTTP_TEXT}.
 */
import {readFields} from './fields.js'
import type {FieldsInput} from './fields.js'
import {normaliseEventType} from './fields.js'

/** The longest text {@link httpRequestText} returns. */
export const MAX_HTTP_TEXT = 4096

const MAX_PATH = 2048
const MAX_HEADERS = 32
const MAX_HEADER = 256
const MAX_BODY = 1024
const SKIPPED: ReadonlySet<string> = new Set(['http_access', 'http_request_fingerprint'])

/** What {@link httpRequestText} needs of a log row. */
export interface HttpSource {
  readonly event_type: string
  readonly fields: FieldsInput
}

/**
 * The request text of a row (see the module's documentation), or null when
 * the row is not an HTTP request (no `method` and `path` fields).
 *
 * @example
 * ```ts
 * httpRequestText({event_type: 'request', fields: {method: 'GET', path: '/.env', headers: '{"User-Agent": "curl/8.5.0"}'}})
 * // 'GET /.env\nUser-Agent: curl/8.5.0'
 * ```
 */
export function httpRequestText(row: HttpSource): null | string {
  const fields = readFields(row.fields)
  const {body, headers, method, path} = fields
  if (typeof method !== 'string' || typeof path !== 'string' || method === '' || path === '') return null
  if (SKIPPED.has(normaliseEventType(row.event_type ?? ''))) return null
  const lines = [`${oneLine(method, 16)} ${oneLine(path, MAX_PATH)}`, ...headerLines(headers)]
  const text = typeof body === 'string' && body !== '' ? `${lines.join('\n')}\n\n${body.slice(0, MAX_BODY)}` : lines.join('\n')
  return text.slice(0, MAX_HTTP_TEXT)
}

function headerLines(headers: unknown): string[] {
  if (typeof headers !== 'string' || headers === '') return []
  let parsed: unknown
  try {
    parsed = JSON.parse(headers)
  } catch {
    // https logs a Python-repr dict: rules still see its text, on one line
    return [oneLine(headers, MAX_HEADER * 4)]
  }

  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return []
  return Object.entries(parsed as Record<string, unknown>)
    .slice(0, MAX_HEADERS)
    .map(([name, value]) => `${oneLine(name, 64)}: ${oneLine(typeof value === 'string' ? value : JSON.stringify(value) ?? '', MAX_HEADER)}`)
}

/** `text` cut to `max` characters, its line breaks as spaces (a header cannot forge a line of its own). */
function oneLine(text: string, max: number): string {
  return text.slice(0, max).replaceAll(/[\r\n]/g, ' ')
}
