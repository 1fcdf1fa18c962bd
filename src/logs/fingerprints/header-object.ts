import {parsePythonDict} from './python-repr.js'

/** Headers read from a line at most (a client sends tens; the rest is hostile padding). */
export const MAX_HEADERS = 100

/**
 * A `headers` field's entries in their logged order: a JSON object (http) or
 * a Python-repr dict (https, §0.2), names and values as strings; null when
 * the field is neither. At most {@link MAX_HEADERS} entries.
 *
 * @example
 * ```ts
 * readHeaders('{"Host": "web-01", "User-Agent": "curl/8.5.0"}') // [['Host', 'web-01'], ['User-Agent', 'curl/8.5.0']]
 * ```
 */
export function readHeaders(value: unknown): Array<[string, string]> | null {
  if (typeof value !== 'string') return null
  const text = value.trim()
  if (!text.startsWith('{')) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return parsePythonDict(text)?.slice(0, MAX_HEADERS) ?? null
  }

  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null
  return Object.entries(parsed as Record<string, unknown>)
    .slice(0, MAX_HEADERS)
    .map(([name, v]): [string, string] => [name, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')])
}
