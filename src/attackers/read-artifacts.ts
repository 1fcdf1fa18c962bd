/**
 * The read side of `attacker_artifacts`: the files DECNET captured of an
 * attacker and the sessions it recorded, newest first.
 */
import type {Kysely, Selectable} from 'kysely'

import type {AttackerArtifactsTable, Database} from '../db/schema.js'
import type {AttackerFile, AttackerSession} from './attacker-profile.js'

/** A row of `attacker_artifacts`. */
type AttackerArtifactRow = Selectable<AttackerArtifactsTable>

/** Captured files, and recorded sessions, `decnet attackers show` carries at most (the newest). */
export const SHOW_ARTIFACTS = 200

/**
 * Attacker `ip`'s captured files and recorded sessions, the newest (by log
 * line) `limit` of each.
 *
 * @example
 * ```ts
 * const {files, sessions} = await readAttackerArtifacts(db, '203.0.113.7', SHOW_ARTIFACTS)
 * ```
 */
export async function readAttackerArtifacts(db: Kysely<Database>, ip: string, limit: number): Promise<{files: AttackerFile[]; sessions: AttackerSession[]}> {
  const newest = (kind: string) =>
    db.selectFrom('attacker_artifacts').selectAll().where('ip', '=', ip).where('kind', '=', kind).orderBy('log_id', 'desc').limit(limit).execute()
  const [files, sessions] = await Promise.all([newest('file'), newest('session')])
  return {files: files.map((row) => attackerFile(row)), sessions: sessions.map((row) => attackerSession(row))}
}

/** An `attacker_artifacts` row of kind `file` as a captured file. */
export function attackerFile(row: AttackerArtifactRow): AttackerFile {
  const d = details(row.details)
  const writer = (d.writer ?? {}) as Record<string, unknown>
  return {
    timestamp: row.timestamp, decky: row.decky, service: row.service, sha256: str(d.sha256), size: num(d.size), path: str(d.path),
    storedAs: str(d.storedAs), attribution: str(d.attribution), writer: {comm: str(writer.comm), pid: num(writer.pid), uid: num(writer.uid)},
  }
}

/** An `attacker_artifacts` row of kind `session` as a recorded session. */
export function attackerSession(row: AttackerArtifactRow): AttackerSession {
  const d = details(row.details)
  return {
    timestamp: row.timestamp, decky: row.decky, id: str(d.id), service: str(d.service) ?? row.service, durationS: num(d.durationS),
    bytes: num(d.bytes), truncated: typeof d.truncated === 'boolean' ? d.truncated : null,
  }
}

function details(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  } catch {
    return {} // a row not written by the profiler: show what the columns say
  }
}

function str(value: unknown): null | string {
  return typeof value === 'string' ? value : null
}

function num(value: unknown): null | number {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}
