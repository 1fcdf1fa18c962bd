/**
 * Which attackers `decnet attackers` lists, in which order: filters and sort
 * orders as one value, turned into a query on `attackers` (both dialects).
 */
import type {Expression, Kysely, SelectQueryBuilder, SqlBool} from 'kysely'

import {sql} from 'kysely'

import type {DialectName} from '../db/dialect-of.js'
import type {Database} from '../db/schema.js'

/** Sort orders: most recently seen, most events, widest traversal, most credentials (each then by IP). */
export const ATTACKER_SORTS = ['recent', 'active', 'traversals', 'credentials'] as const
export type AttackerSort = (typeof ATTACKER_SORTS)[number]

/** What to keep (every part optional; all given must hold). */
export interface AttackerFilter {
  /** A part of the IP, as typed (`203.0.113.`), matched exactly (case and all). */
  ipContains?: string
  /** A service the attacker touched, by exact name. */
  service?: string
  /** A decky it touched, by exact name. */
  decky?: string
  /** An ATT&CK technique it showed (`T1110`: its sub-techniques too) or sub-technique (`T1110.001`). */
  technique?: string
  /** ISO 3166-1 alpha-2 country (`attacker_geo`), upper case. */
  country?: string
  /** Seen at or after (its last event), ISO-8601 UTC. */
  since?: string
  /** Seen at or before (its first event), ISO-8601 UTC. */
  until?: string
}

type AttackerQuery = SelectQueryBuilder<Database, 'attackers', object>

/**
 * `query` narrowed by `filter`.
 *
 * @example
 * ```ts
 * const rows = await applyFilter(db.selectFrom('attackers').selectAll(), {service: 'ssh'}, 'sqlite').execute()
 * ```
 */
export function applyFilter<Q extends AttackerQuery>(query: Q, filter: AttackerFilter, dialect: DialectName): Q {
  let q: AttackerQuery = query
  if (filter.ipContains !== undefined) q = q.where(contains(sql.ref('attackers.ip'), filter.ipContains, dialect))
  // services and deckies are JSON arrays written by JSON.stringify: `["a","b"]`. A
  // name's JSON text after `[` or `,` is a whole element (a quote inside a
  // string is always escaped, so `,"x"` never starts inside one).
  if (filter.service !== undefined) q = q.where(hasElement('services', filter.service, dialect))
  if (filter.decky !== undefined) q = q.where(hasElement('deckies', filter.decky, dialect))
  if (filter.since !== undefined) q = q.where('attackers.last_seen', '>=', filter.since)
  if (filter.until !== undefined) q = q.where('attackers.first_seen', '<=', filter.until)
  if (filter.country !== undefined) {
    const country = filter.country
    q = q.where('attackers.ip', 'in', (eb) => eb.selectFrom('attacker_geo').select('attacker_geo.ip').where('attacker_geo.country', '=', country))
  }

  if (filter.technique !== undefined) {
    const id = filter.technique
    const column = id.includes('.') ? 'ttp_tags.sub_technique_id' : 'ttp_tags.technique_id'
    q = q.where((eb) =>
      eb.exists(eb.selectFrom('ttp_tags').select(sql`1`.as('one')).whereRef('ttp_tags.attacker_ip', '=', 'attackers.ip').where(column, '=', id)),
    )
  }

  return q as Q
}

/** `query` in the order `sort` names, ties by IP. */
export function applySort<Q extends AttackerQuery>(query: Q, sort: AttackerSort): Q {
  let q: AttackerQuery = query
  switch (sort) {
    case 'active': {
      q = q.orderBy('attackers.event_count', 'desc')
      break
    }

    case 'credentials': {
      const tried = sql<number>`(select count(*) from credentials where credentials.attacker_ip = attackers.ip)`
      q = q.orderBy(tried, 'desc')
      break
    }

    case 'traversals': {
      q = q.orderBy('attackers.is_traversal', 'desc').orderBy(sql`length(attackers.deckies)`, 'desc')
      break
    }

    case 'recent': {
      break
    }
  }

  return q.orderBy('attackers.last_seen', 'desc').orderBy('attackers.ip') as Q
}

/** Whether `column`'s text holds `part` (exactly: no wildcards, case kept, in both dialects). */
function contains(column: Expression<unknown>, part: string, dialect: DialectName): Expression<SqlBool> {
  return dialect === 'postgres' ? sql<SqlBool>`strpos(${column}, ${part}) > 0` : sql<SqlBool>`instr(${column}, ${part}) > 0`
}

function hasElement(column: 'deckies' | 'services', name: string, dialect: DialectName): Expression<SqlBool> {
  const element = JSON.stringify(name)
  const ref = sql.ref(`attackers.${column}`)
  return sql<SqlBool>`(${contains(ref, `[${element}`, dialect)} or ${contains(ref, `,${element}`, dialect)})`
}

/** The number of attackers `filter` keeps. */
export async function countFiltered(db: Kysely<Database>, filter: AttackerFilter, dialect: DialectName): Promise<number> {
  const query = applyFilter(db.selectFrom('attackers'), filter, dialect).select((eb) => eb.fn.countAll().as('count'))
  const row = await query.executeTakeFirstOrThrow()
  return Number(row.count)
}
