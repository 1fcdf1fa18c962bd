import {readFile} from 'node:fs/promises'

import {makeDebug} from '../util/lazy-debug.js'

import type {ProcessMemory} from '../prefork/fleet-status.js'

const debug = makeDebug('decnet:control')

/**
 * Parses the text of /proc/PID/smaps_rollup (values in kB): RSS, PSS and
 * USS (private clean + private dirty pages).
 *
 * @returns undefined when a field is missing.
 */
export function parseSmapsRollup(text: string): ProcessMemory | undefined {
  const kb = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)
    return match ? Number(match[1]) * 1024 : undefined
  }

  const [rss, pss, clean, dirty] = ['Rss', 'Pss', 'Private_Clean', 'Private_Dirty'].map(kb)
  if (rss === undefined || pss === undefined || clean === undefined || dirty === undefined) return undefined
  return {pssBytes: pss, rssBytes: rss, ussBytes: clean + dirty}
}

/**
 * The memory of process `pid`, from /proc/PID/smaps_rollup (Linux 4.14+).
 *
 * @returns null when it cannot be read: the process is gone, or belongs to
 * another user (reading it needs the right to ptrace it), or the kernel is
 * too old.
 *
 * @example
 * ```ts
 * await processMemory(process.pid)   // {rssBytes: 52_428_800, ussBytes: 41_943_040, pssBytes: 44_040_192}
 * ```
 */
export async function processMemory(pid: number): Promise<null | ProcessMemory> {
  try {
    return parseSmapsRollup(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8')) ?? null
  } catch (error) {
    debug('cannot read the memory of pid %d: %s', pid, (error as Error).message)
    return null
  }
}
