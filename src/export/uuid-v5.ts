import {createHash} from 'node:crypto'

/**
 * The name-based UUID (version 5, SHA-1; RFC 9562 §5.5) of `name` in
 * `namespace`: the same inputs give the same UUID, so an export run twice
 * names its objects the same.
 *
 * @example
 * ```ts
 * uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com') // '2ed6657d-e927-568b-95e1-2665a8aea6a2'
 * ```
 */
export function uuidV5(namespace: string, name: string): string {
  const hex = namespace.replaceAll('-', '')
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`expected a UUID namespace, got \`${namespace}\``)
  const bytes = createHash('sha1').update(Buffer.from(hex, 'hex')).update(name, 'utf8').digest().subarray(0, 16)
  bytes[6] = (bytes[6] & 0x0f) | 0x50
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const out = bytes.toString('hex')
  return `${out.slice(0, 8)}-${out.slice(8, 12)}-${out.slice(12, 16)}-${out.slice(16, 20)}-${out.slice(20)}`
}
