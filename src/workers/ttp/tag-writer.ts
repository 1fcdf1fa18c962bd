/**
 * Inserts tags with multi-row `INSERT ... ON CONFLICT (id) DO NOTHING`
 * statements whose SQL text is built once and reused: for thousands of tags a
 * tick, building the statement through kysely's query builder costs as much
 * as running it.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {Database, NewTtpTag} from '../../db/schema.js'

import {dialectOf} from '../../db/dialect-of.js'

const COLUMNS = Object.freeze([
  'id', 'log_id', 'attacker_ip', 'rule_id', 'rule_version', 'tactic', 'technique_id', 'sub_technique_id', 'confidence', 'evidence', 'timestamp',
] as const satisfies ReadonlyArray<keyof NewTtpTag>)

/** 11 parameters a row: far below the bound-parameter limits (SQLite 32766, PostgreSQL 65535). */
export const TAGS_PER_STATEMENT = 1000

/**
 * Writes tags into `ttp_tags`, skipping those already there; returns how many
 * were inserted.
 *
 * @example
 * ```ts
 * const writer = new TagWriter()
 * await db.transaction().execute((trx) => writer.write(trx, tags))
 * ```
 */
export class TagWriter {
  readonly #sql = new Map<string, string>()

  async write(trx: Transaction<Database>, tags: readonly NewTtpTag[]): Promise<number> {
    let inserted = 0
    for (let start = 0; start < tags.length; start += TAGS_PER_STATEMENT) {
      const end = Math.min(tags.length, start + TAGS_PER_STATEMENT)
      const parameters: unknown[] = []
      for (let r = start; r < end; r++) {
        const tag = tags[r] as unknown as Record<string, unknown>
        for (const column of COLUMNS) parameters.push(tag[column] ?? null)
      }

      const result = await trx.executeQuery(CompiledQuery.raw(this.#text(trx, end - start), parameters))
      inserted += Number(result.numAffectedRows ?? 0)
    }

    return inserted
  }

  #text(trx: Transaction<Database>, rows: number): string {
    const dialect = dialectOf(trx)
    const key = `${dialect}:${rows}`
    let text = this.#sql.get(key)
    if (text === undefined) {
      let n = 0
      const tuples = Array.from({length: rows}, () => `(${COLUMNS.map(() => (dialect === 'postgres' ? `$${++n}` : '?')).join(', ')})`)
      text = `insert into "ttp_tags" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')} on conflict ("id") do nothing`
      // only full statements are worth keeping: the short tail of each tick varies
      if (rows === TAGS_PER_STATEMENT) this.#sql.set(key, text)
    }

    return text
  }
}
