/**
 * Inserts tags (and the failed logins the brute-force look-back reads) with
 * multi-row `INSERT ... ON CONFLICT DO NOTHING` statements whose SQL text is
 * built once and reused: for thousands of tags a tick, building the statement
 * through kysely's query builder costs as much as running it.
 */
import type {Transaction} from 'kysely'

import {CompiledQuery} from 'kysely'

import type {DialectName} from '../../db/dialect-of.js'
import type {Database, NewAuthFailure, NewTtpTag} from '../../db/schema.js'
import type {UpsertColumns} from '../profiler/bulk-upsert.js'
import type {AuthFailure} from './brute-force.js'

import {dialectOf} from '../../db/dialect-of.js'
import {BulkUpsert} from '../profiler/bulk-upsert.js'

const COLUMNS = Object.freeze([
  'id', 'log_id', 'attacker_ip', 'rule_id', 'rule_version', 'tactic', 'technique_id', 'sub_technique_id', 'confidence', 'evidence', 'timestamp',
] as const satisfies ReadonlyArray<keyof NewTtpTag>)

/** 11 parameters a row: far below the bound-parameter limits (SQLite 32766, PostgreSQL 65535). */
export const TAGS_PER_STATEMENT = 1000

/** 3 parameters a row (SQLite; PostgreSQL writes them all in one statement). */
export const FAILURES_PER_STATEMENT = 1000

const FAILURE_COLUMNS: UpsertColumns<NewAuthFailure> = [['log_id', 'bigint'], ['ip', 'text'], ['timestamp', 'text']]

/**
 * Writes tags into `ttp_tags` and failed logins into `auth_failures`,
 * skipping those already there; returns how many were inserted.
 *
 * @example
 * ```ts
 * const writer = new TagWriter()
 * await db.transaction().execute(async (trx) => {
 *   await writer.write(trx, tags)
 *   await writer.writeFailures(trx, failures)
 * })
 * ```
 */
export class TagWriter {
  readonly #sql = new Map<string, string>()
  readonly #failures = new Map<DialectName, BulkUpsert<NewAuthFailure>>()

  /** Records failed logins for later look-backs (`auth_failures`), skipping those already there; returns how many were inserted. */
  async writeFailures(trx: Transaction<Database>, failures: readonly AuthFailure[]): Promise<number> {
    if (failures.length === 0) return 0
    const dialect = dialectOf(trx)
    let upsert = this.#failures.get(dialect)
    if (upsert === undefined) {
      upsert = new BulkUpsert<NewAuthFailure>(dialect, 'auth_failures', FAILURE_COLUMNS, 'log_id', 'nothing', FAILURES_PER_STATEMENT)
      this.#failures.set(dialect, upsert)
    }

    const rows = failures.map(({id, ip, timestamp}) => ({ip, log_id: id, timestamp}))
    // in (ip, timestamp) order, each statement's index inserts land on neighbouring pages (measured: about 20% cheaper on SQLite)
    rows.sort(byIpThenTime)
    return upsert.write(trx, rows)
  }

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

function byIpThenTime(a: NewAuthFailure, b: NewAuthFailure): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0
}
