/**
 * The `follow` worker of the `collect` fleet: `decnet ingest --follow` as a
 * supervised worker. It follows the files of the collect settings (`tail -F`:
 * rotation, truncation, files that do not exist yet), commits their lines
 * with each file's progress (no line lost or doubled across restarts), and
 * reports each file's counts and lag to the master. Under `--once` it reads
 * each file to its end, as `decnet ingest FILE...` would, and returns.
 */
import {stat} from 'node:fs/promises'

import type {Kysely} from 'kysely'

import type {Database} from '../../db/schema.js'
import type {FollowedSource} from '../../ingest/follow/file-follower.js'
import type {SourceReport} from '../../prefork/source-report.js'
import type {WorkerContext} from '../../prefork/worker.js'

import {follow} from '../../ingest/follow/follow.js'
import {ingest} from '../../ingest/ingest.js'
import {collectSettings, idle, nowIso, openCollectDatabase, reportSources} from './collect-context.js'

/**
 * Follows every file of `settings.follow` until stopped. A database outage
 * is waited out (the file is not read meanwhile); a database error that
 * retrying cannot cure ends the worker with an error (the supervisor
 * restarts it; it resumes from each file's committed progress).
 *
 * @example
 * ```ts
 * // what the child entry does for the `follow` worker of `collect`:
 * await followWorker({name: 'follow', fleet: 'collect', options: {settings: {follow: ['/var/log/decnet/decnet.log']}}, database, signal, ...})
 * ```
 */
export default async function followWorker(ctx: WorkerContext): Promise<void> {
  const settings = collectSettings(ctx)
  if (settings.follow.length === 0) return idle(ctx, 'idle: no files to follow (collect settings: follow)')
  const db = await openCollectDatabase(ctx, 'the follow worker')
  if (db === undefined) return // stopped while waiting for the database
  if (ctx.once) return readOnce(ctx, db, settings.follow, settings.batchSize)
  const sources: FollowedSource[] = []
  let outage: {at: string; message: string} | undefined
  const problems = new Map<FollowedSource, {at: string; message: string}>()
  const stopReporting = reportSources(ctx, () => Promise.all(sources.map((source) => fileReport(source, problemOf(source, problems) ?? outage))))
  try {
    ctx.status?.(`following ${settings.follow.length} file${settings.follow.length === 1 ? '' : 's'}`)
    ctx.ready()
    const summary = await follow(db, settings.follow, {
      batchSize: settings.batchSize,
      flushMs: settings.flushSeconds * 1000,
      signal: ctx.signal,
      onSource: (source) => sources.push(source),
      onWarning(message) {
        outage = {at: nowIso(), message}
        console.error(`follow: ${message}`)
      },
    })
    for (const source of summary.sources) {
      if (source.error) console.error(`follow: ${source.source}: ${source.error.message}`)
    }

    if (summary.stopped?.by === 'database') throw new Error(`the database failed: ${summary.stopped.message}`)
  } finally {
    await stopReporting()
    await db.destroy()
  }
}

/** `--once`: what `decnet ingest FILE...` does, from the same stored progress: each file read to its end, once. */
async function readOnce(ctx: WorkerContext, db: Kysely<Database>, files: readonly string[], batchSize: number): Promise<void> {
  try {
    ctx.ready()
    const summary = await ingest(db, files, {batchSize, signal: ctx.signal, threads: false})
    for (const source of summary.sources) {
      console.log(`follow: ${source.source}: accepted ${source.accepted}, rejected ${source.rejected}${source.error ? ` (${source.error.message})` : ''}`)
    }

    if (summary.stopped?.by === 'database') throw new Error(`the database failed: ${summary.stopped.message}`)
  } finally {
    await db.destroy()
  }
}

/** The file's own problem (not there yet, another ingest storing it), with the time it was first seen; undefined when it has none. */
function problemOf(source: FollowedSource, seen: Map<FollowedSource, {at: string; message: string}>): undefined | {at: string; message: string} {
  const message = source.waiting ?? source.error?.message
  if (message === undefined) return seen.get(source)
  const known = seen.get(source)
  if (known?.message !== message) seen.set(source, {at: nowIso(), message})
  return seen.get(source)
}

/** One file's report: its counts, how many bytes its file holds past what was read, and what last went wrong. */
async function fileReport(source: FollowedSource, problem: {at: string; message: string} | undefined): Promise<SourceReport> {
  let lagBytes: null | number = null
  if (source.waiting === undefined) {
    try {
      lagBytes = Math.max(0, (await stat(source.source)).size - source.offset)
    } catch {
      // renamed away and not recreated yet: the lag of a file that is not there is unknown
      lagBytes = null
    }
  }

  return {
    accepted: source.accepted,
    connections: null,
    kind: 'file',
    lagBytes,
    lastError: problem?.message ?? null,
    lastErrorAt: problem?.at ?? null,
    queued: null,
    rejected: source.rejected,
    source: source.source,
  }
}
