/**
 * A page of `decnet attackers`: how many attackers a filter keeps, and the
 * profiles of those at `offset` up to `limit`, read a chunk at a time so a
 * page of any size streams in bounded memory.
 */
import type {BlockList} from 'node:net'

import type {Kysely} from 'kysely'

import type {AttackerRow, Database} from '../db/schema.js'
import type {AttackerProfile} from './attacker-profile.js'
import type {AttackerFilter, AttackerSort} from './attacker-query.js'

import {dialectOf} from '../db/dialect-of.js'
import {chunks} from '../util/chunks.js'
import {applyFilter, applySort, countFiltered} from './attacker-query.js'
import {completeProfiles, LIST_COMMANDS} from './read-attackers.js'

/** Attackers read per query while paging. */
const CHUNK = 500
/** IPs read per query while matching a network (`--search CIDR`). */
const SCAN_CHUNK = 10_000

/** Which page of which attackers. */
export interface PageOptions {
  filter?: AttackerFilter
  /** Keep only IPs in these networks (`--search 198.51.100.0/24`); matched here, as SQL cannot in both dialects. */
  networks?: BlockList
  sort?: AttackerSort
  limit: number
  offset?: number
  /** The latest commands each profile carries (default {@link LIST_COMMANDS}). */
  commands?: number
}

/** How many attackers match in all, and the page's profiles as they are read. */
export interface AttackerPage {
  total: number
  profiles: AsyncIterable<AttackerProfile>
}

/**
 * The attackers `options` asks for.
 *
 * @example
 * ```ts
 * const {total, profiles} = await pageAttackers(db, {filter: {service: 'ssh'}, sort: 'active', limit: 20})
 * for await (const p of profiles) console.log(p.ip)
 * ```
 */
export async function pageAttackers(db: Kysely<Database>, options: PageOptions): Promise<AttackerPage> {
  const dialect = dialectOf(db)
  const filter = options.filter ?? {}
  const sort = options.sort ?? 'recent'
  const offset = options.offset ?? 0
  const commands = options.commands ?? LIST_COMMANDS
  const ordered = () => applySort(applyFilter(db.selectFrom('attackers'), filter, dialect), sort)
  if (options.networks === undefined) {
    const total = await countFiltered(db, filter, dialect)
    async function* profiles(): AsyncGenerator<AttackerProfile> {
      for (let done = 0; done < options.limit; done += CHUNK) {
        const rows = await ordered().selectAll('attackers').limit(Math.min(CHUNK, options.limit - done)).offset(offset + done).execute()
        yield* await completeProfiles(db, rows, commands)
        if (rows.length < CHUNK) return
      }
    }

    return {profiles: profiles(), total}
  }

  const {networks} = options
  const page: string[] = []
  let total = 0
  for (let read = 0; ; read += SCAN_CHUNK) {
    const ips = await ordered().select('attackers.ip').limit(SCAN_CHUNK).offset(read).execute()
    for (const {ip} of ips) {
      if (!inNetworks(networks, ip)) continue
      if (total >= offset && page.length < options.limit) page.push(ip)
      total++
    }

    if (ips.length < SCAN_CHUNK) break
  }

  async function* profiles(): AsyncGenerator<AttackerProfile> {
    for (const chunk of chunks(page, CHUNK)) {
      const rows = await db.selectFrom('attackers').selectAll().where('ip', 'in', chunk).execute()
      const byIp = new Map<string, AttackerRow>(rows.map((row) => [row.ip, row]))
      yield* await completeProfiles(db, chunk.flatMap((ip) => byIp.get(ip) ?? []), commands)
    }
  }

  return {profiles: profiles(), total}
}

function inNetworks(networks: BlockList, ip: string): boolean {
  const family = ip.includes(':') ? 'ipv6' : 'ipv4'
  try {
    return networks.check(ip, family)
  } catch {
    return false // not an address (older rows may hold anything)
  }
}
