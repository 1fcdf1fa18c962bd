/**
 * What an artifact line means: a file an attacker wrote that DECNET captured
 * (`file_captured`), an interactive session it recorded
 * (`session_recorded`) or a mail it stored (`message_stored`, see `mail.ts`). Pure: no I/O. Every value is attacker-influenced
 * text, bounded here.
 */
import type {StoredMail} from './mail.js'

import {artifactCount as count, artifactFlag as flag, artifactSeconds as seconds, artifactText as text, sha256Hex as hex} from './artifact-values.js'
import {normaliseEventType} from './fields.js'
import {extractMail} from './mail.js'

export {MAX_ARTIFACT_TEXT} from './artifact-values.js'

/** A file DECNET captured. */
export interface CapturedFile {
  kind: 'file'
  /** SHA-256 (hex) of the file, as DECNET computed it. */
  sha256: null | string
  /** Bytes. */
  size: null | number
  /** Where the attacker wrote it. */
  path: null | string
  /** The name DECNET stored it under in its artifacts. */
  storedAs: null | string
  /** How DECNET tied it to a session: `pid-chain`, `ss-only`, `ss-ambiguous`, `utmp-only`, `unknown`. */
  attribution: null | string
  /** The process that wrote it: its command name, pid and uid. */
  writer: {comm: null | string; pid: null | number; uid: null | number}
}

/** An interactive session DECNET recorded. */
export interface RecordedSession {
  kind: 'session'
  /** The session's id (a UUID). */
  id: null | string
  /** `ssh` or `telnet`: the session's own service (the line's APP-NAME is `sessrec`). */
  service: null | string
  durationS: null | number
  /** Bytes of transcript. */
  bytes: null | number
  /** Whether the transcript hit DECNET's cap. */
  truncated: boolean | null
}

/** An artifact a line names. */
export type Artifact = CapturedFile | RecordedSession | StoredMail

/** Whether lines of `eventType` name an artifact (their fields must be read). */
export function isArtifactEventType(eventType: string): boolean {
  const type = normaliseEventType(eventType)
  return type === 'file_captured' || type === 'session_recorded' || type === 'message_stored'
}

/**
 * The artifact a line of `eventType` with `fields` names, or null when it
 * names none.
 *
 * @example
 * ```ts
 * extractArtifact('session_recorded', {sid: '3f9c...', service: 'ssh', duration_s: '283.117', bytes: '18234', truncated: 'false'})
 * // {kind: 'session', id: '3f9c...', service: 'ssh', durationS: 283.117, bytes: 18234, truncated: false}
 * ```
 */
export function extractArtifact(eventType: string, fields: Readonly<Record<string, unknown>>): Artifact | null {
  const type = normaliseEventType(eventType)
  if (type === 'file_captured') {
    return {
      kind: 'file',
      sha256: hex(fields.sha256),
      size: count(fields.size),
      path: text(fields.orig_path),
      storedAs: text(fields.stored_as),
      attribution: text(fields.attribution),
      writer: {comm: text(fields.writer_comm), pid: count(fields.writer_pid), uid: count(fields.writer_uid)},
    }
  }

  if (type === 'session_recorded') {
    return {
      kind: 'session',
      id: text(fields.sid),
      service: text(fields.service),
      durationS: seconds(fields.duration_s),
      bytes: count(fields.bytes),
      truncated: flag(fields.truncated),
    }
  }

  if (type === 'message_stored') return extractMail(fields)
  return null
}
