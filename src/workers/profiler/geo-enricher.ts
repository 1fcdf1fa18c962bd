/**
 * Country and AS for attacker IPs, from the operator's offline databases
 * (`GeoLookup`), kept in `attacker_geo`. It has a cursor of its own over
 * `logs` (`worker_state` row `geo:<databases>`), so it reaches every IP ever
 * logged, and a new build of either database (another cursor name) looks
 * every IP up again. A tick reads only the ids and attacker IPs of the lines
 * after the cursor, and writes the answers and the cursor in one
 * transaction: a kill at any point loses and doubles nothing (a write of an
 * IP already stored replaces it with the same answer).
 */
import type {Kysely} from 'kysely'

import type {GeoLookup} from '../../enrich/geo-lookup.js'
import type {AttackerGeoTable, Database} from '../../db/schema.js'
import type {UpsertColumns} from '../../db/bulk/upsert-columns.js'

import {BulkUpsert} from '../../db/bulk/bulk-upsert.js'
import {dialectOf} from '../../db/dialect-of.js'
import {claimCursor} from '../claim-cursor.js'

/** Lines a tick reads (ids and IPs only). */
export const GEO_LINES_PER_TICK = 50_000
/** IPs this enricher remembers having stored with the current databases; past this it starts over (a repeat is only a redundant write). */
const MAX_REMEMBERED = 100_000

const GEO_COLUMNS = [
  ['ip', 'text'], ['country', 'text'], ['asn', 'bigint'], ['as_name', 'text'], ['source', 'text'], ['updated_at', 'text'],
] as const satisfies UpsertColumns<AttackerGeoTable>

/** What {@link GeoEnricher.drain} did. */
export interface GeoPass {
  /** Log lines read. */
  lines: number
  /** IPs whose answer was written. */
  written: number
}

/**
 * Looks up the attacker IPs of new log lines.
 *
 * @example
 * ```ts
 * const enricher = new GeoEnricher(db, await GeoLookup.open({geoip: 'GeoLite2-Country.mmdb'}))
 * await enricher.drain(signal) // {lines, written}
 * ```
 */
export class GeoEnricher {
  readonly #db: Kysely<Database>
  readonly #lookup: GeoLookup
  readonly #cursorName: string
  readonly #upsert: BulkUpsert<AttackerGeoTable>
  readonly #linesPerTick: number
  /** IPs whose answer a committed tick stored (or that the databases do not know). */
  readonly #done = new Set<string>()

  constructor(db: Kysely<Database>, lookup: GeoLookup, linesPerTick = GEO_LINES_PER_TICK) {
    this.#db = db
    this.#lookup = lookup
    this.#linesPerTick = linesPerTick
    this.#cursorName = `geo:${lookup.identity}`
    const update = GEO_COLUMNS.map(([name]) => name).filter((name) => name !== 'ip')
    this.#upsert = new BulkUpsert(dialectOf(db), 'attacker_geo', GEO_COLUMNS, 'ip', {update})
  }

  /** The `worker_state` row holding this enricher's cursor. */
  get cursorName(): string {
    return this.#cursorName
  }

  /** Ticks until no line is left (or `signal` fires between ticks). */
  async drain(signal?: AbortSignal): Promise<GeoPass> {
    const total: GeoPass = {lines: 0, written: 0}
    while (!signal?.aborted) {
      const tick = await this.tick()
      total.lines += tick.lines
      total.written += tick.written
      if (tick.lines < this.#linesPerTick) break
    }

    return total
  }

  /** Looks up the IPs of the next lines after the cursor and stores the answers with the moved cursor. */
  async tick(): Promise<GeoPass> {
    const fresh = new Set<string>()
    const result = await this.#db.transaction().execute(async (trx) => {
      const cursor = await claimCursor(trx, this.#cursorName)
      const lines = await trx.selectFrom('logs').select(['id', 'attacker_ip']).where('id', '>', cursor).orderBy('id').limit(this.#linesPerTick).execute()
      if (lines.length === 0) return {lines: 0, written: 0}
      const rows: AttackerGeoTable[] = []
      const updatedAt = new Date().toISOString()
      for (const {attacker_ip: ip} of lines) {
        if (!ip || this.#done.has(ip) || fresh.has(ip)) continue
        fresh.add(ip)
        const answer = this.#lookup.lookup(ip)
        if (answer !== undefined) rows.push({as_name: answer.asName, asn: answer.asn, country: answer.country, ip, source: this.#lookup.identity, updated_at: updatedAt})
      }

      await this.#upsert.write(trx, rows)
      const last = Number(lines.at(-1)!.id)
      await trx.updateTable('worker_state').set({cursor: last, updated_at: updatedAt}).where('worker', '=', this.#cursorName).execute()
      return {lines: lines.length, written: rows.length}
    })
    if (this.#done.size + fresh.size > MAX_REMEMBERED) this.#done.clear()
    for (const ip of fresh) this.#done.add(ip)
    return result
  }
}
