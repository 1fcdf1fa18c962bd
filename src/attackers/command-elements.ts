/**
 * The commands inside `attacker_command_batches`, unpacked by the database
 * (SQLite's `json_each`, PostgreSQL's `json_array_elements`) so a reader can
 * pick, count and order them without bringing whole batches into the
 * process: a batch of 64 KiB attacker lines is megabytes of text.
 */
import type {RawBuilder} from 'kysely'

import {sql} from 'kysely'

import type {DialectName} from '../db/dialect-of.js'

/** SQL for one batch row `b` joined with its elements `e`, and each field of an element. */
export interface CommandElements {
  /** `attacker_command_batches b` joined with one row per command. */
  readonly from: RawBuilder<unknown>
  readonly logId: RawBuilder<number>
  readonly timestamp: RawBuilder<string>
  readonly decky: RawBuilder<string>
  readonly service: RawBuilder<string>
  readonly command: RawBuilder<string>
}

/**
 * The element SQL of `dialect`.
 *
 * @example
 * ```ts
 * const e = commandElements('sqlite')
 * await sql`select ${e.logId} as log_id from ${e.from} where b.ip = ${ip}`.execute(db)
 * ```
 */
export function commandElements(dialect: DialectName): CommandElements {
  if (dialect === 'postgres') {
    return {
      command: sql<string>`e ->> 4`,
      decky: sql<string>`e ->> 2`,
      from: sql`attacker_command_batches b cross join lateral json_array_elements(b.commands::json) e`,
      logId: sql<number>`(e ->> 0)::bigint`,
      service: sql<string>`e ->> 3`,
      timestamp: sql<string>`e ->> 1`,
    }
  }

  return {
    command: sql<string>`e.value ->> 4`,
    decky: sql<string>`e.value ->> 2`,
    from: sql`attacker_command_batches b, json_each(b.commands) e`,
    logId: sql<number>`e.value ->> 0`,
    service: sql<string>`e.value ->> 3`,
    timestamp: sql<string>`e.value ->> 1`,
  }
}
