import {BlockList, isIP} from 'node:net'

/** Environment variable: the trusted proxies, when the profiler's `trustedProxies` option does not say (DECNET's name). */
export const TRUSTED_PROXIES_ENV = 'DECNET_TRUSTED_PROXIES'

/**
 * The proxies whose proxy headers are theirs to set: a request from one of
 * them that names another address is no claim of the attacker's. Built from
 * IPs and CIDRs; a bare IP is that one address (`/32`, or `/128` for IPv6:
 * DECNET reads a bare IPv6 as `/32`, trusting a vast range, §6.15).
 *
 * @example
 * ```ts
 * const trusted = TrustedProxies.parse('10.0.0.0/8, 2001:db8::1', 'trustedProxies')
 * trusted.has('10.1.2.3') // true
 * ```
 */
export class TrustedProxies {
  // one list per family: node's BlockList matches IPv4 addresses against IPv6 rules too (as ::ffff:a.b.c.d)
  readonly #lists = {ipv4: new BlockList(), ipv6: new BlockList()}
  #size = 0

  /**
   * Reads a list: an array of strings, or one comma-separated string
   * (`undefined` or `''`: none).
   *
   * @throws Error naming `name` and the entry that is not an IP or a CIDR.
   */
  static parse(value: unknown, name: string): TrustedProxies {
    const trusted = new TrustedProxies()
    if (value === undefined || value === null) return trusted
    const entries = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null
    if (entries === null) throw new Error(`Expected \`${name}\` to be a list of IPs or CIDRs, got \`${JSON.stringify(value)}\``)
    for (const entry of entries) {
      const text = typeof entry === 'string' ? entry.trim() : ''
      if (text === '' && typeof entry === 'string') continue
      if (!trusted.#add(text)) throw new Error(`Expected \`${name}\` to hold IPs or CIDRs (like 10.0.0.0/8), got \`${String(entry)}\``)
    }

    return trusted
  }

  /** How many entries. */
  get size(): number {
    return this.#size
  }

  /** Whether `ip` (as `normaliseIp` spells it) is a trusted proxy. */
  has(ip: string): boolean {
    if (this.#size === 0) return false
    const family = isIP(ip)
    if (family === 0) return false
    const name = family === 6 ? 'ipv6' : 'ipv4'
    return this.#lists[name].check(ip, name)
  }

  #add(text: string): boolean {
    const slash = text.indexOf('/')
    const address = slash === -1 ? text : text.slice(0, slash)
    const family = isIP(address)
    if (family === 0) return false
    const max = family === 6 ? 128 : 32
    const prefix = slash === -1 ? max : /^\d{1,3}$/.test(text.slice(slash + 1)) ? Number(text.slice(slash + 1)) : -1
    if (prefix < 0 || prefix > max) return false
    const name = family === 6 ? 'ipv6' : 'ipv4'
    this.#lists[name].addSubnet(address, prefix, name)
    this.#size++
    return true
  }
}
