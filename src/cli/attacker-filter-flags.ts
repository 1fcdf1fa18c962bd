/**
 * The filter and paging flags of `decnet attackers`, and what they become:
 * an `AttackerFilter`, networks to match, a sort order.
 */
import {BlockList, isIP} from 'node:net'

import * as Flags from '@oclif/core/flags'

import type {AttackerFilter} from '../attackers/attacker-query.js'

import {ATTACKER_SORTS} from '../attackers/attacker-query.js'
import {FlagValueError} from './seconds.js'

const UNITS: Readonly<Record<string, number>> = Object.freeze({d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, w: 604_800_000})
const AGO = /^(\d+(?:\.\d+)?)([smhdw])$/
const TECHNIQUE = /^T\d{4}(?:\.\d{3})?$/
const COUNTRY = /^[A-Za-z]{2}$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/

/** The flags. */
export const attackerFilterFlags = {
  country: Flags.string({helpValue: 'CC', summary: 'Only attackers in this country (ISO code such as DE; needs the profiler to run with --geoip-db).'}),
  decky: Flags.string({helpValue: 'NAME', summary: 'Only attackers that touched this decky.'}),
  offset: Flags.integer({default: 0, min: 0, summary: 'Skip this many attackers first (paging with --limit).'}),
  search: Flags.string({helpValue: 'TEXT|CIDR', summary: 'Only IPs containing TEXT, or inside the network CIDR (203.0.113.0/24, 2001:db8::/32).'}),
  service: Flags.string({helpValue: 'NAME', summary: 'Only attackers that touched this service (as logged: ssh, http, ...).'}),
  since: Flags.string({helpValue: 'WHEN', summary: 'Only attackers seen since WHEN: 30m, 24h, 7d, 2w ago, or an ISO-8601 time.'}),
  sort: Flags.string({default: 'recent', options: [...ATTACKER_SORTS], summary: 'Order: recent (last seen), active (events), traversals (deckies), credentials (tried).'}),
  technique: Flags.string({helpValue: 'ID', summary: 'Only attackers tagged with this ATT&CK technique (T1110 includes its sub-techniques) or sub-technique (T1110.001).'}),
  until: Flags.string({helpValue: 'WHEN', summary: 'Only attackers first seen before WHEN (as --since).'}),
}

/** The parsed flags, as oclif gives them. */
export interface AttackerFilterFlagValues {
  country?: string
  decky?: string
  search?: string
  service?: string
  since?: string
  technique?: string
  until?: string
}

/**
 * The filter the flags ask for, and the networks `--search CIDR` names.
 *
 * @throws FlagValueError naming the flag and what it expects.
 */
export function attackerFilter(flags: AttackerFilterFlagValues, now = Date.now()): {filter: AttackerFilter; networks?: BlockList} {
  const filter: AttackerFilter = {}
  let networks: BlockList | undefined
  if (flags.search !== undefined) {
    if (flags.search.includes('/')) networks = network(flags.search)
    else filter.ipContains = flags.search
  }

  if (flags.service !== undefined) filter.service = flags.service
  if (flags.decky !== undefined) filter.decky = flags.decky
  if (flags.technique !== undefined) {
    const id = flags.technique.toUpperCase()
    if (!TECHNIQUE.test(id)) throw new FlagValueError('--technique', `Expected \`--technique\` to be an ATT&CK technique ID such as T1110 or T1110.001, got \`${flags.technique}\``)
    filter.technique = id
  }

  if (flags.country !== undefined) {
    if (!COUNTRY.test(flags.country)) throw new FlagValueError('--country', `Expected \`--country\` to be a two-letter ISO 3166 code such as DE, got \`${flags.country}\``)
    filter.country = flags.country.toUpperCase()
  }

  if (flags.since !== undefined) filter.since = timeBound('--since', flags.since, now)
  if (flags.until !== undefined) filter.until = timeBound('--until', flags.until, now)
  return networks === undefined ? {filter} : {filter, networks}
}

/** `24h` (ago) or an ISO-8601 time, as ISO-8601 UTC. */
function timeBound(flag: string, text: string, now: number): string {
  const ago = AGO.exec(text)
  const time = ago === null ? (ISO_DATE.test(text) ? Date.parse(text) : Number.NaN) : now - Number(ago[1]) * UNITS[ago[2]]
  if (!Number.isFinite(time)) {
    throw new FlagValueError(flag, `Expected \`${flag}\` to be a time ago (30m, 24h, 7d, 2w) or an ISO-8601 time (2026-12-01T00:00:00Z), got \`${text}\``)
  }

  return new Date(time).toISOString()
}

function network(cidr: string): BlockList {
  const [address, bits, ...rest] = cidr.split('/')
  const family = isIP(address)
  const prefix = Number(bits)
  const max = family === 6 ? 128 : 32
  if (family === 0 || rest.length > 0 || !/^\d{1,3}$/.test(bits) || prefix > max) {
    throw new FlagValueError('--search', `Expected \`--search\` to be part of an IP or a network such as 203.0.113.0/24 or 2001:db8::/32, got \`${cidr}\``)
  }

  const list = new BlockList()
  list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4')
  return list
}
