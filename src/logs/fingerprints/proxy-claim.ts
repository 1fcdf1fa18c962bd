/**
 * Proxy-header IP claims (DECNET-EVENTS.md §2a.4): a request that says, in a
 * header a proxy would set, that it comes from another address. A public
 * address there may be the attacker's real one leaking through its proxy; a
 * private, loopback or otherwise non-public one is a forgery aimed at the
 * application (an allow-list bypass).
 */
import {BlockList} from 'node:net'

import {normaliseIp} from '../attacker-ip.js'

/** A claim a request's headers make. */
export interface ProxyClaim {
  /** The address claimed, as `normaliseIp` spells it. */
  claimed: string
  /** The header it came from, as DECNET names it (`X-Forwarded-For`, ...). */
  header: string
  /** Each of the five proxy headers the request carried, by DECNET's name, with its raw value (at most 256 characters). */
  headersSeen: Record<string, string>
  /** `public`, or why it is not: `unspecified`, `loopback`, `link_local`, `multicast`, `reserved`, `private`. */
  category: string
}

/** The headers looked at, in the order they are tried. */
const CLAIM_HEADERS = ['Forwarded', 'X-Forwarded-For', 'X-Real-IP', 'True-Client-IP', 'CF-Connecting-IP'] as const
const MAX_SEEN = 256

/** Address ranges by category, checked in this order (Python's ipaddress flags, as DECNET reads them). */
const CATEGORIES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['unspecified', ['0.0.0.0/32', '::/128']],
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['link_local', ['169.254.0.0/16', 'fe80::/10']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  ['reserved', [
    '240.0.0.0/4', '::/8', '100::/8', '200::/7', '400::/6', '800::/5', '1000::/4', '4000::/3', '6000::/3', '8000::/3', 'a000::/3', 'c000::/3',
    'e000::/4', 'f000::/5', 'f800::/6', 'fe00::/9',
  ]],
  ['private', [
    '0.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.0.0.0/29', '192.0.0.170/31', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15',
    '198.51.100.0/24', '203.0.113.0/24', '255.255.255.255/32', '::ffff:0:0/96', '100::/64', '2001::/23', '2001:db8::/32', '2001:10::/28', 'fc00::/7',
  ]],
]

/**
 * The category of address `ip` (IPv4 or IPv6, as `normaliseIp` spells it).
 *
 * @example
 * ```ts
 * addressCategory('10.1.2.3') // 'private'
 * addressCategory('8.8.8.8') // 'public'
 * ```
 */
export function addressCategory(ip: string): string {
  const family = ip.includes(':') ? 'ipv6' : 'ipv4'
  for (const [name, lists] of CATEGORY_LISTS) if (lists[family].check(ip, family)) return name
  return 'public'
}

type Family = 'ipv4' | 'ipv6'

// One list per family: node's BlockList matches an IPv4 address against IPv6 rules too (as ::ffff:a.b.c.d), so `::/8` would hold every IPv4.
// Built once from the frozen table above: read-only lookups after that.
const CATEGORY_LISTS: ReadonlyArray<readonly [string, Readonly<Record<Family, Pick<BlockList, 'check'>>>]> = CATEGORIES.map(([name, ranges]) => {
  const lists = {ipv4: new BlockList(), ipv6: new BlockList()}
  for (const range of ranges) {
    const [address, prefix] = range.split('/')
    const family = address.includes(':') ? 'ipv6' : 'ipv4'
    lists[family].addSubnet(address, Number(prefix), family)
  }

  return [name, lists] as const
})

/**
 * The claim `headers` (a request's, in order) make, or null when no proxy
 * header holds an address. Names are matched case-insensitively; the first
 * header (in DECNET's order) that yields an address wins.
 *
 * @example
 * ```ts
 * proxyClaim([['X-Forwarded-For', '8.8.8.8, 10.0.0.1']])?.claimed // '8.8.8.8'
 * ```
 */
export function proxyClaim(headers: ReadonlyArray<readonly [string, string]>): null | ProxyClaim {
  const seen: Record<string, string> = {}
  const values = new Map<string, string>()
  for (const [name, value] of headers) {
    const known = CLAIM_HEADERS.find((header) => header.toLowerCase() === name.toLowerCase())
    if (known === undefined || values.has(known)) continue
    values.set(known, value)
    seen[known] = value.slice(0, MAX_SEEN)
  }

  for (const header of CLAIM_HEADERS) {
    const value = values.get(header)
    if (value === undefined || value.trim() === '') continue
    const claimed = claimIn(header, value)
    if (claimed !== null) return {category: addressCategory(claimed), claimed, header, headersSeen: seen}
  }

  return null
}

function claimIn(header: string, value: string): null | string {
  if (header === 'Forwarded') {
    const match = /for\s*=\s*("?)([^";,\s]+)\1/i.exec(value)
    return match === null ? null : normaliseIp(match[2])
  }

  if (header === 'X-Forwarded-For') {
    for (const token of value.split(',')) {
      const ip = normaliseIp(token.trim())
      if (ip !== null) return ip
    }

    return null
  }

  return normaliseIp(value.trim().replaceAll(/["'[\]]/g, ''))
}
