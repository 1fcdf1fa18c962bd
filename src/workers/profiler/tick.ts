/**
 * One profiler tick: fold the next batch of log lines into the attackers they
 * touch, in one transaction with the cursor, so a tick either happens whole or
 * not at all.
 */
import type {Kysely, Transaction} from 'kysely'

import type {AttackerRow, Database} from '../../db/schema.js'
import type {AttackerProfile, LogSemantics, NewAttackerCommand, ProfileLog} from './fold.js'

import {chunks} from '../../lib/chunks.js'
import {foldAttacker} from './fold.js'

/** The `worker_state` row the profiler keeps its cursor in. */
export const PROFILER_CURSOR = 'profiler'

/** Lines per tick unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 5000

// Rows per statement, so `IN` lists and multi-row inserts stay far below the
// bound-parameter limits (SQLite 32766, PostgreSQL 65535).
const IPS_PER_SELECT = 1000
const ATTACKERS_PER_INSERT = 500
const COMMANDS_PER_INSERT = 1000

/** How to run a tick. */
export interface TickOptions {
  /** Lines to read at most (default {@link DEFAULT_BATCH_SIZE}). */
  batchSize?: number
  /** The line semantics (the worker passes src/logs'). */
  semantics: LogSemantics
  /** The `worker_state` row (default {@link PROFILER_CURSOR}). */
  cursorName?: string
}

/** What a tick did. */
export interface TickResult {
  /** Log lines read (with or without an attacker IP). */
  lines: number
  /** Attacker rows inserted or updated. */
  attackers: number
  /** Command rows inserted (replays insert none). */
  commands: number
  /** The cursor after the tick. */
  cursor: number
}

/**
 * Runs one tick. Its cost follows the new lines and the attackers they touch:
 * it reads the lines after the cursor by primary key, the touched attackers by
 * primary key, and never an attacker's older lines.
 *
 * The first statement claims the cursor row with a write, which serialises
 * concurrent profilers (a row lock on PostgreSQL, the write lock on SQLite)
 * so two of them never fold the same lines.
 *
 * @example
 * ```ts
 * const {lines, cursor} = await profilerTick(db, {semantics: defaultSemantics})
 * ```
 */
export async function profilerTick(db: Kysely<Database>, options: TickOptions): Promise<TickResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const cursorName = options.cursorName ?? PROFILER_CURSOR
  return db.transaction().execute(async (trx) => {
    const cursor = await claimCursor(trx, cursorName)
    const lines = await trx
      .selectFrom('logs')
      .select(['id', 'timestamp', 'decky', 'service', 'event_type', 'attacker_ip', 'fields', 'msg'])
      .where('id', '>', cursor)
      .orderBy('id')
      .limit(batchSize)
      .execute()
    if (lines.length === 0) return {attackers: 0, commands: 0, cursor, lines: 0}

    const byIp = groupByIp(lines)
    const current = await loadAttackers(trx, [...byIp.keys()])
    const attackers: AttackerProfile[] = []
    const commands: NewAttackerCommand[] = []
    for (const [ip, rows] of byIp) {
      const row = current.get(ip)
      // Lines already in the row (a cursor moved back without a reset) are not counted twice.
      const fresh = row === undefined ? rows : rows.filter((line) => line.id > row.last_log_id)
      if (fresh.length === 0) continue
      const folded = foldAttacker(row, ip, fresh, options.semantics)
      attackers.push(folded.attacker)
      commands.push(...folded.commands)
    }

    await upsertAttackers(trx, attackers)
    const inserted = await insertCommands(trx, commands)
    const next = lines.at(-1)!.id
    await trx
      .updateTable('worker_state')
      .set({cursor: next, updated_at: new Date().toISOString()})
      .where('worker', '=', cursorName)
      .execute()
    return {attackers: attackers.length, commands: inserted, cursor: next, lines: lines.length}
  })
}

/** Reads the cursor through a write, creating the row at 0 the first time. */
async function claimCursor(trx: Transaction<Database>, worker: string): Promise<number> {
  const row = await trx
    .insertInto('worker_state')
    .values({cursor: 0, updated_at: new Date().toISOString(), worker})
    .onConflict((oc) => oc.column('worker').doUpdateSet((eb) => ({worker: eb.ref('excluded.worker')})))
    .returning('cursor')
    .executeTakeFirstOrThrow()
  return Number(row.cursor)
}

function groupByIp(lines: ReadonlyArray<ProfileLog & {attacker_ip: null | string}>): Map<string, ProfileLog[]> {
  const byIp = new Map<string, ProfileLog[]>()
  for (const line of lines) {
    if (!line.attacker_ip) continue // nothing to profile; the cursor still moves past it
    let rows = byIp.get(line.attacker_ip)
    if (rows === undefined) byIp.set(line.attacker_ip, (rows = []))
    rows.push(line)
  }

  return byIp
}

async function loadAttackers(trx: Transaction<Database>, ips: string[]): Promise<Map<string, AttackerRow>> {
  const found = new Map<string, AttackerRow>()
  for (const chunk of chunks(ips, IPS_PER_SELECT)) {
    const rows = await trx.selectFrom('attackers').selectAll().where('ip', 'in', chunk).execute()
    for (const row of rows) found.set(row.ip, row)
  }

  return found
}

async function upsertAttackers(trx: Transaction<Database>, rows: AttackerProfile[]): Promise<void> {
  for (const chunk of chunks(rows, ATTACKERS_PER_INSERT)) {
    await trx
      .insertInto('attackers')
      .values(chunk)
      .onConflict((oc) =>
        oc.column('ip').doUpdateSet((eb) => ({
          auth_attempts: eb.ref('excluded.auth_attempts'),
          deckies: eb.ref('excluded.deckies'),
          event_count: eb.ref('excluded.event_count'),
          first_contacts: eb.ref('excluded.first_contacts'),
          first_seen: eb.ref('excluded.first_seen'),
          is_traversal: eb.ref('excluded.is_traversal'),
          last_log_id: eb.ref('excluded.last_log_id'),
          last_seen: eb.ref('excluded.last_seen'),
          services: eb.ref('excluded.services'),
          traversal_path: eb.ref('excluded.traversal_path'),
        })),
      )
      .execute()
  }
}

async function insertCommands(trx: Transaction<Database>, rows: NewAttackerCommand[]): Promise<number> {
  let inserted = 0
  for (const chunk of chunks(rows, COMMANDS_PER_INSERT)) {
    const result = await trx
      .insertInto('attacker_commands')
      .values(chunk)
      .onConflict((oc) => oc.column('log_id').doNothing())
      .executeTakeFirst()
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0)
  }

  return inserted
}
