/**
 * The header-order and casing fingerprint of a request (DECNET-EVENTS.md
 * §2a.3): which headers a client sends, in which order and spelt how,
 * leaving out those a proxy or the request itself makes vary.
 */
import {createHash} from 'node:crypto'

/** What {@link headerQuirks} finds. */
export interface HeaderQuirks {
  /** SHA-256 (hex, 16 digits) of the kept names, lower-cased, one per line. */
  orderHash: string
  /** The kept names as sent. */
  order: string[]
  /** SHA-256 (hex, 16 digits) of each kept name's casing class, one per line. */
  casingHash: string
  /** The one casing class of every kept name (`upper`, `lower`, `title`, `empty`), or `mixed`. */
  casingCategory: string
  /** How many names were kept. */
  stableCount: number
  /** `curl`, `python-requests`, `go-http-client` or `nmap-nse` when the order starts as theirs does, else null. */
  toolGuess: null | string
}

const VOLATILE: ReadonlySet<string> = new Set([
  'content-length', 'cookie', 'authorization', 'x-forwarded-for', 'forwarded', 'x-real-ip', 'true-client-ip', 'cf-connecting-ip',
  'x-request-id', 'x-correlation-id', 'x-amzn-trace-id',
])

const TOOL_ORDERS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['curl', ['host', 'user-agent', 'accept']],
  ['python-requests', ['host', 'user-agent', 'accept-encoding', 'accept', 'connection']],
  ['go-http-client', ['host', 'user-agent', 'accept-encoding']],
  ['nmap-nse', ['host', 'user-agent']],
]

/**
 * The quirks of header `names` (in the order the request carried them), or
 * null when no name is left once the volatile ones are dropped.
 *
 * @example
 * ```ts
 * headerQuirks(['Host', 'User-Agent', 'Accept']).toolGuess // 'curl'
 * ```
 */
export function headerQuirks(names: readonly string[]): HeaderQuirks | null {
  const order = names.filter((name) => !VOLATILE.has(name.toLowerCase()))
  if (order.length === 0) return null
  const lower = order.map((name) => name.toLowerCase())
  const classes = order.map((name) => casingOf(name))
  const distinct = new Set(classes)
  const tool = TOOL_ORDERS.find(([, prefix]) => prefix.every((name, i) => lower[i] === name))
  return {
    casingCategory: distinct.size === 1 ? classes[0] : 'mixed',
    casingHash: hash16(classes.join('\n')),
    order,
    orderHash: hash16(lower.join('\n')),
    stableCount: order.length,
    toolGuess: tool?.[0] ?? null,
  }
}

function casingOf(name: string): string {
  if (name === '') return 'empty'
  if (name === name.toUpperCase()) return 'upper'
  if (name === name.toLowerCase()) return 'lower'
  const title = name.split('-').every((part) => part === '' || (part[0] === part[0].toUpperCase() && part.slice(1) === part.slice(1).toLowerCase()))
  return title ? 'title' : 'mixed'
}

function hash16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}
