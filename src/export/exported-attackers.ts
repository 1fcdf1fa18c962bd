/**
 * What every export reads: the attackers a filter selects, a page at a
 * time (see `readAttackerPages`), each with the techniques it was tagged
 * with, when and how often.
 */
import type {Kysely} from 'kysely'

import type {AttackerDetail} from '../attackers/attacker-profile.js'
import type {AttackerFilter, AttackerPageOptions} from '../attackers/read-attacker-pages.js'
import type {TechniqueSighting} from '../attackers/read-technique-sightings.js'
import type {Database} from '../db/schema.js'
import type {AttackCatalog} from '../ttp/attack-catalog.js'
import type {WriteText} from './export-output.js'

import {readAttackerPages} from '../attackers/read-attacker-pages.js'
import {readTechniqueSightings} from '../attackers/read-technique-sightings.js'

/** What an export needs: the database, the catalog in use, which attackers, and where the text goes. */
export interface ExportContext {
  readonly db: Kysely<Database>
  readonly catalog: AttackCatalog
  readonly filter: AttackerFilter
  readonly write: WriteText
}

/** What an export wrote. */
export interface ExportSummary {
  /** Attackers exported. */
  readonly attackers: number
  /** The ATT&CK release the export names techniques with. */
  readonly attackVersion: string
}

/**
 * Attackers per page of an export: a page's profiles are in memory at once,
 * and a hostile profile is large (up to a thousand credentials of 1 KiB
 * secrets, commands of 64 KiB), so exports read smaller pages than lists do.
 */
export const EXPORT_PAGE = 100

/** One attacker and its techniques. */
export interface ExportedAttacker {
  readonly attacker: AttackerDetail
  readonly sightings: readonly TechniqueSighting[]
}

/**
 * The attackers `filter` selects, in IP order, with their techniques.
 *
 * @example
 * ```ts
 * for await (const {attacker, sightings} of exportedAttackers(db, {}, {commands: 100})) console.log(attacker.ip, sightings.length)
 * ```
 */
export async function* exportedAttackers(db: Kysely<Database>, filter: AttackerFilter, options: AttackerPageOptions = {}): AsyncGenerator<ExportedAttacker> {
  for await (const page of readAttackerPages(db, filter, {pageSize: EXPORT_PAGE, ...options})) {
    const sightings = await readTechniqueSightings(db, page.map((attacker) => attacker.ip))
    for (const attacker of page) yield {attacker, sightings: sightings.get(attacker.ip) ?? []}
  }
}
