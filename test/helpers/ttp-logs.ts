/**
 * Log rows for TTP worker tests, written straight into `logs` (no parsing).
 */
import type {Kysely} from 'kysely'

import type {Database} from '../../src/db/schema.js'

/** A row of `logs` as a test inserts it. */
export interface LogRow {
  attacker_ip: string | null
  decky: string
  event_type: string
  fields: string
  msg: string | null
  raw_line: string
  service: string
  timestamp: string
}

/** A `ttp_tags` row with its numbers as numbers, whatever the driver returned. */
export type TagRow = Omit<Database['ttp_tags'], 'confidence' | 'log_id' | 'rule_version'> & {confidence: number; log_id: number; rule_version: number}

const START = Date.UTC(2026, 10, 26, 12, 0, 0)

/** The ISO timestamp `offset` minutes after the tests' start time. */
export function minutes(offset: number): string {
  return new Date(START + Math.round(offset * 60_000)).toISOString()
}

/** A `command` event from `ip` at `at` minutes running `command`. */
export function commandLog(ip: string, at: number, command: string): LogRow {
  return row(ip, at, 'command', {command, src_ip: ip})
}

/** A failed SSH login from `ip` at `at` minutes. */
export function failedLogin(ip: string, at: number): LogRow {
  return row(ip, at, 'login_failed', {password: 'hunter2', src_ip: ip, user: 'root'})
}

function row(ip: string, at: number, eventType: string, fields: Record<string, string>): LogRow {
  const timestamp = minutes(at)
  return {
    attacker_ip: ip,
    decky: 'decky-01',
    event_type: eventType,
    fields: JSON.stringify(fields),
    msg: null,
    raw_line: `<13>1 ${timestamp} decky-01 ssh - ${eventType} - -`,
    service: 'ssh',
    timestamp,
  }
}

/** Inserts rows into `logs` in chunks. */
export async function insertLogs(db: Kysely<Database>, rows: readonly LogRow[], chunkSize = 2000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunkSize) {
    await db.insertInto('logs').values(rows.slice(i, i + chunkSize)).execute()
  }
}

/** Every tag, in (log_id, rule_id, technique) order, numbers as numbers. */
export async function readTags(db: Kysely<Database>): Promise<TagRow[]> {
  const rows = await db.selectFrom('ttp_tags').selectAll().orderBy('log_id').orderBy('rule_id').orderBy('sub_technique_id').orderBy('technique_id').execute()
  return rows.map((tag) => ({...tag, confidence: Number(tag.confidence), log_id: Number(tag.log_id), rule_version: Number(tag.rule_version)}))
}

/** Moves a worker's cursor back to the start. */
export async function resetCursor(db: Kysely<Database>, worker: string): Promise<void> {
  await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', worker).execute()
}
