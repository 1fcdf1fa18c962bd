/**
 * The rule state file on disk: read without following a symbolic link,
 * bounded in size; written as a new file beside the old one (created
 * exclusively, never through a link), synced and renamed over it, so a
 * reader (a worker reloading) sees the old state or the new, never half.
 */
import {constants} from 'node:fs'
import {lstat, mkdir, open} from 'node:fs/promises'
import {dirname} from 'node:path'

import {replaceFile} from '../util/replace-file.js'

import type {RuleStateData, RuleStateEntry} from './rule-state.js'

import {EMPTY_RULE_STATE, formatRuleState, parseRuleState, RuleStateError} from './rule-state.js'

/** The largest state file read (10,000 rules take about 1 MiB). */
export const MAX_STATE_BYTES = 2 * 1024 * 1024

/**
 * The rule state at `path`; no state when there is no file.
 *
 * @throws RuleStateError when it is a symbolic link, not a regular file, too large, unreadable or not a rule state.
 */
export async function readRuleState(path: string): Promise<RuleStateData> {
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return EMPTY_RULE_STATE
    if (code === 'ELOOP') throw new RuleStateError(`${path}: the rule state file is a symbolic link; refusing to read it (replace it with a regular file)`)
    throw new RuleStateError(`${path}: the rule state cannot be read: ${code ?? (error as Error).message}`)
  }

  try {
    const stat = await handle.stat()
    if (!stat.isFile()) throw new RuleStateError(`${path}: the rule state is not a regular file`)
    if (stat.size > MAX_STATE_BYTES) throw new RuleStateError(`${path}: the rule state is ${stat.size} bytes, at most ${MAX_STATE_BYTES}`)
    const buffer = Buffer.alloc(Math.min(stat.size + 1, MAX_STATE_BYTES + 1))
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0)
    if (bytesRead > MAX_STATE_BYTES) throw new RuleStateError(`${path}: the rule state is larger than ${MAX_STATE_BYTES} bytes`)
    return parseRuleState(buffer.subarray(0, bytesRead).toString('utf8'), path)
  } finally {
    await handle.close()
  }
}

/**
 * Writes `state` to `path` (mode 0644: the fleet's workers, which may run as
 * another user, read it), creating its directory if needed.
 *
 * @throws RuleStateError when `path` is a symbolic link or not a regular file (nothing is written).
 */
export async function writeRuleState(path: string, state: RuleStateData): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, {mode: 0o755, recursive: true})
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (existing?.isSymbolicLink()) throw new RuleStateError(`${path}: the rule state file is a symbolic link; refusing to write through or over it (remove it)`)
  if (existing !== undefined && !existing.isFile()) throw new RuleStateError(`${path}: the rule state is not a regular file; refusing to replace it`)
  await replaceFile(path, formatRuleState(state), 0o644)
}

/**
 * Changes one rule's state: reads the file (a broken one is an error, never
 * overwritten), applies `change` to the rule's entry (an entry left empty is
 * dropped), writes the result. Returns the rule's new entry.
 *
 * @throws RuleStateError (see {@link readRuleState} and {@link writeRuleState}).
 */
export async function updateRuleState(path: string, id: string, change: (entry: RuleStateEntry) => RuleStateEntry): Promise<RuleStateEntry> {
  const state = await readRuleState(path)
  const entry = Object.fromEntries(Object.entries(change(state.rules[id] ?? {})).filter(([, value]) => value !== undefined)) as RuleStateEntry
  const rules: Record<string, RuleStateEntry> = {...state.rules}
  if (Object.keys(entry).length === 0) delete rules[id]
  else rules[id] = entry
  await writeRuleState(path, {rules})
  return entry
}
