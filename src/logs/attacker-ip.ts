import {isIP} from 'node:net'

/** The fields that may hold the attacker's address, in order of preference. */
export const ATTACKER_IP_FIELDS = Object.freeze(['src_ip', 'src', 'client_ip', 'remote_ip', 'remote_addr', 'ip'])

const MESSAGE_IP = /\b(?:src|rhost)=\[?([\dA-Fa-f:.]+)|\bfrom\s+\[?([\dA-Fa-f:.]+)/g

/**
 * The attacker's IP address: the first of {@link ATTACKER_IP_FIELDS} that
 * holds an IP address, else the first `src=`, `rhost=` or `from ADDRESS` in
 * the message that does. Returns it normalised (see {@link normaliseIp}), or
 * null when there is none.
 */
export function attackerIp(fields: Readonly<Record<string, string>>, msg: string | null): string | null {
  for (const name of ATTACKER_IP_FIELDS) {
    const value = fields[name]
    if (value === undefined || value === '') continue
    const ip = normaliseIp(value)
    if (ip !== null) return ip
  }

  if (msg === null || msg === '') return null
  MESSAGE_IP.lastIndex = 0
  for (let match = MESSAGE_IP.exec(msg); match !== null; match = MESSAGE_IP.exec(msg)) {
    const ip = normaliseIp(match[1] ?? match[2])
    if (ip !== null) return ip
  }

  return null
}

/**
 * An IP address in one canonical spelling, or null when the text is not one:
 * IPv4 as is; IPv6 lower-case and compressed (`2001:DB8:0::1` ->
 * `2001:db8::1`), IPv4-mapped IPv6 as IPv4; a port (`203.0.113.7:4242`,
 * `[2001:db8::1]:22`) and surrounding brackets are dropped.
 */
export function normaliseIp(text: string): string | null {
  const version = isIP(text)
  if (version === 4) return text
  if (version === 6) return canonicalIpv6(text)
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close > 0 && (close === text.length - 1 || text[close + 1] === ':')) {
      const inner = text.slice(1, close)
      return isIP(inner) === 6 ? canonicalIpv6(inner) : null
    }

    return null
  }

  const colon = text.lastIndexOf(':')
  if (colon > 0 && text.indexOf(':') === colon && /^\d+$/.test(text.slice(colon + 1))) {
    const host = text.slice(0, colon)
    if (isIP(host) === 4) return host
  }

  return null
}

function canonicalIpv6(text: string): string {
  const lower = text.toLowerCase()
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7)
  if (lower.includes('%')) return lower // zone ids do not survive the URL round trip
  // the WHATWG URL serialiser writes the canonical RFC 5952 form
  return new URL(`http://[${lower}]/`).hostname.slice(1, -1)
}
