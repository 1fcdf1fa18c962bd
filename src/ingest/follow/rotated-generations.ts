import {lstat, readdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import createDebug from 'debug'
import type {Kysely} from 'kysely'

import type {Database} from '../../db/schema.js'
import {readSourceProgress, type SourceProgress} from '../../db/source-progress.js'

const debug = createDebug('decnet:ingest')

/** Stored generations of one path looked at on start: the most recent ones. */
const MAX_GENERATIONS = 8

/** Directory entries looked at for a rotated file: a log directory, not a spool of millions. */
const MAX_ENTRIES = 10_000

/** A file that was once the followed path, found again under another name. */
export interface RotatedGeneration {
  /** Its name now (`decnet.log.1`, `decnet.log-20261207`, ...). */
  path: string
  progress: SourceProgress
}

/**
 * The files that were the followed `path` when an earlier run committed
 * their lines, and that were renamed since (rotation while no follower ran):
 * the stored progress rows recorded under that path whose inode is not the
 * file at `path` now, found again by device and inode among the regular
 * files of the same directory. Oldest first, so their remaining lines are
 * read in the order they were written. A generation moved to another
 * directory, compressed or deleted cannot be found: its unread lines (if
 * any) are lost, as with `tail -F`.
 */
export async function findRotatedGenerations(db: Kysely<Database>, path: string, currentKey: string | undefined): Promise<RotatedGeneration[]> {
  const rows = await db
    .selectFrom('ingest_sources')
    .select(['source_key', 'updated_at'])
    .where('path', '=', path)
    .where('source_key', 'like', 'file:%')
    .orderBy('updated_at', 'desc')
    .limit(MAX_GENERATIONS)
    .execute()
  const wanted = new Map(rows.filter((row) => row.source_key !== currentKey).map((row) => [row.source_key, row.updated_at]))
  if (wanted.size === 0) return []
  const found: Array<RotatedGeneration & {updatedAt: string}> = []
  let names: string[]
  try {
    names = (await readdir(dirname(path))).slice(0, MAX_ENTRIES)
  } catch (error) {
    debug('cannot list %s for rotated files (%s)', dirname(path), (error as Error).message)
    return []
  }

  for (const name of names) {
    const candidate = join(dirname(path), name)
    if (candidate === path) continue
    let stats
    try {
      stats = await lstat(candidate) // a symlink is not a rotated log
    } catch {
      continue // removed while listing
    }

    const key = `file:${stats.dev}:${stats.ino}`
    if (!stats.isFile() || !wanted.has(key)) continue
    const progress = await readSourceProgress(db, key)
    if (progress && progress.offset < stats.size) found.push({path: candidate, progress, updatedAt: wanted.get(key)!})
    wanted.delete(key)
  }

  return found.sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : 1)).map(({path: at, progress}) => ({path: at, progress}))
}
