import type {SourceProgress} from '../db/source-progress.js'
import {fingerprint} from './fingerprint.js'
import type {ReadStart} from './read-batches.js'

/** Why a source that was ingested before is read from its start again. */
export type RestartReason = 'truncated' | 'replaced' | 'from-start'

/** Where to read a source from, given what a previous run stored. */
export interface ResumePlan {
  start: ReadStart
  /** Set when a stored progress is not used. */
  restart?: RestartReason
}

/** What is known of the input now: its first bytes (up to `FINGERPRINT_BYTES`) and, for a file, its size. */
export interface SourceNow {
  head: Uint8Array
  size: number | undefined
}

/**
 * Decides where a run reads a source from. Without stored progress, or with
 * `fromStart`, from the start. A file now shorter than the stored offset was
 * truncated; an input whose first bytes no longer match the stored
 * fingerprint was replaced (rotation, an inode reused, a file rewritten):
 * both are read from the start. Otherwise it resumes after the last
 * committed line.
 *
 * @example
 * ```ts
 * planResume(stored, {head, size}, false) // {start: {line: 120000, offset: 20480000}}
 * ```
 */
export function planResume(stored: SourceProgress | undefined, now: SourceNow, fromStart: boolean): ResumePlan {
  const beginning = {line: 0, offset: 0}
  if (stored === undefined) return {start: beginning}
  if (fromStart) return {start: beginning, restart: 'from-start'}
  if (now.size !== undefined && now.size < stored.offset) return {start: beginning, restart: 'truncated'}
  if (now.head.length < stored.fingerprintBytes || fingerprint(now.head, stored.fingerprintBytes) !== stored.fingerprint) {
    return {start: beginning, restart: now.size === undefined || now.head.length >= stored.fingerprintBytes ? 'replaced' : 'truncated'}
  }

  return {start: {line: stored.line, offset: stored.offset}}
}
