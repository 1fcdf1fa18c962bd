/**
 * The read side of `attacker_artifacts`: the files DECNET captured of an
 * attacker, the sessions it recorded and the mail it stored, newest first.
 */
import type {Kysely, Selectable} from 'kysely'

import type {AttackerArtifactsTable, Database} from '../db/schema.js'
import type {AttackerFile, AttackerMail, AttackerSession} from './attacker-profile.js'

/** A row of `attacker_artifacts`. */
type AttackerArtifactRow = Selectable<AttackerArtifactsTable>

/** Captured files, recorded sessions, and stored mails, `decnet attackers show` carries at most (the newest). */
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
    bytes: num(d.bytes), truncated: typeof d.truncated === 'boolean' ? d.truncated : null, commands: [], commandCount: 0,
  }
}

/** An `attacker_artifacts` row of kind `mail` as a stored mail. */
export function attackerMail(row: AttackerArtifactRow): AttackerMail {
  const d = details(row.details)
  const attachments = Array.isArray(d.attachments) ? (d.attachments as unknown[]) : []
  return {
    timestamp: row.timestamp, decky: row.decky, service: row.service, msgId: str(d.msgId), subject: str(d.subject), from: str(d.from), mailFrom: str(d.mailFrom),
    recipientCount: num(d.recipientCount) ?? 0,
    recipientDomains: Array.isArray(d.recipientDomains) ? (d.recipientDomains as unknown[]).filter((domain): domain is string => typeof domain === 'string') : [],
    attachmentCount: num(d.attachmentCount),
    attachments: attachments.map((item) => {
      const a = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : {}
      return {filename: str(a.filename), contentType: str(a.contentType), size: num(a.size), sha256: str(a.sha256), macro: bool(a.macro), encrypted: bool(a.encrypted)}
    }),
    size: num(d.size), sha256: str(d.sha256), truncated: bool(d.truncated), xMailer: str(d.xMailer), storedAs: str(d.storedAs),
  }
}

/** Attacker `ip`'s stored mail, the newest (by log line) `limit`, and how many there are. */
export async function readAttackerMail(db: Kysely<Database>, ip: string, limit: number): Promise<{count: number; list: AttackerMail[]}> {
  const mail = () => db.selectFrom('attacker_artifacts').where('ip', '=', ip).where('kind', '=', 'mail')
  const [rows, total] = await Promise.all([
    mail().selectAll().orderBy('log_id', 'desc').limit(limit).execute(),
    mail().select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow(),
  ])
  return {count: Number(total.count), list: rows.map((row) => attackerMail(row))}
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

function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null
}

function num(value: unknown): null | number {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}
