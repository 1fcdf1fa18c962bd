import {isIP} from 'node:net'

/** Where the receiver listens: a protocol, an address and a port (0: any free port). */
export interface ListenAddress {
  protocol: 'tcp' | 'tls' | 'udp'
  host: string
  port: number
}

/** A `--listen` value that cannot be used. */
export class ListenAddressError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ListenAddressError'
  }
}

/** RFC 5425's port for syslog over TLS; plain TCP and UDP use 514. */
const DEFAULT_PORTS = {tcp: 514, tls: 6514, udp: 514} as const

/**
 * Reads `PROTOCOL://ADDRESS[:PORT]`: `tcp://127.0.0.1:5514`,
 * `tls://0.0.0.0` (port 6514), `udp://[::1]:5514`. The address is an IP
 * address (a host name could resolve to something unexpected).
 *
 * @throws ListenAddressError naming the value and what was expected.
 */
export function parseListenAddress(text: string): ListenAddress {
  const expected = `Expected \`--listen\` to be tcp://, tls:// or udp:// then an IP address and an optional port (tls://0.0.0.0:6514), got \`${text}\``
  const match = /^(tcp|tls|udp):\/\/(\[[0-9a-fA-F:.]+\]|[0-9.]+)(?::(\d{1,5}))?$/.exec(text.trim())
  if (match === null) throw new ListenAddressError(expected)
  const protocol = match[1] as ListenAddress['protocol']
  const host = match[2].replace(/^\[|\]$/g, '')
  const port = match[3] === undefined ? DEFAULT_PORTS[protocol] : Number(match[3])
  if (isIP(host) === 0 || port > 65_535) throw new ListenAddressError(expected)
  return {protocol, host, port}
}

/** `PROTOCOL://ADDRESS:PORT`, IPv6 in brackets. */
export function formatAddress(protocol: string, host: string, port: number): string {
  return `${protocol}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`
}
