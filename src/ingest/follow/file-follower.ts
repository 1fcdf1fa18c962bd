import {stat} from 'node:fs/promises'

import createDebug from 'debug'
import type {Kysely} from 'kysely'

import type {LogWriter} from '../../db/log-writer.js'
import type {Database} from '../../db/schema.js'
import {readSourceProgress, type ProgressExpectation} from '../../db/source-progress.js'
import type {SourceSummary} from '../ingest.js'
import {planResume} from '../resume-plan.js'
import {FileEvents} from './file-events.js'
import {openFollowed, readChunk, refreshHead, type FollowedFile} from './followed-file.js'
import {findRotatedGenerations} from './rotated-generations.js'
import {SourceCommitter, type CommitRetry} from './source-committer.js'
import {ThreadedLineBatcher} from './threaded-line-batcher.js'

const debug = createDebug('decnet:ingest')

/**
 * At the end of the file, lines pending are committed at once, not at their
 * flush deadline, when there are at least `batchSize / EOF_COMMIT_DIVISOR`
 * of them (2,000 lines at the default batch of 20,000): a commit's fixed
 * cost is then spread thin, and waiting
 * for more would only add latency. That is the rest of a pour after its last
 * full batch (which waited up to `flushMs` for nothing), or a fast writer's
 * lines (committed as they come, one commit in flight). A trickle stays
 * below it and waits for the deadline: one commit per `flushMs`.
 */
export const EOF_COMMIT_DIVISOR = 10

/** What one followed path did, over all the files that were it. */
export interface FollowedSource extends SourceSummary {
  /** Files that were this path and were read to their end after a rename (rotation), this run or while no follower ran. */
  rotations: number
  /** Times the file was found shorter than what was read (truncated in place, copytruncate): read again from its start. */
  truncations: number
  /** Set while the path does not exist, or cannot be opened (the reason); cleared once it is open. */
  waiting?: string
}

/** Options of a {@link FileFollower}. */
export interface FileFollowerOptions {
  batchSize: number
  /** Complete lines are committed at most this long (ms) after they were read. */
  flushMs: number
  /** Ignore stored progress for the file at the path when following starts (`--from-start`). */
  fromStart?: boolean
  /** Stops following: lines read are committed, then `run` returns. */
  signal?: AbortSignal
  /** How a database outage is waited out; without it, it ends `run` with a `DatabaseError`. */
  retry?: CommitRetry
}

/**
 * Follows one path the way `tail -F` does, committing each line once: the
 * file is read from where the last committed line ended (its stored
 * progress); appended lines are committed in batches of `batchSize`, at
 * the end of the file when a tenth of a batch waits, or
 * within `flushMs` when they trickle; when the path is renamed away and
 * recreated (rotation), the old file is read to its end, then the new one
 * from its start; a file found shorter than what was read (truncation,
 * copytruncate) is read again from its start; a path that does not exist
 * yet is waited for. On start, files that were this path and were rotated
 * while no follower ran are read to their end first. Waits on file events,
 * with a bounded poll (see `FileEvents`): it never spins.
 *
 * Lines are split and parsed on a parse thread (see `ThreadedLineBatcher`),
 * and a full batch is committed while the next one is read and parsed (one
 * commit in flight at most, in order; anything that moves the progress
 * elsewhere, a rotation or a truncation, waits for it first).
 *
 * @throws SourceProgressConflict (another ingest stores this file), DatabaseError (without `retry`, or not transient)
 */
export class FileFollower {
  readonly #db: Kysely<Database>
  readonly #path: string
  readonly #stats: FollowedSource
  readonly #options: FileFollowerOptions
  readonly #committer: SourceCommitter
  #file: FollowedFile | undefined
  #batcher: ThreadedLineBatcher | undefined
  /** The file being read has a batcher started (`#batcher` lives as long as `run`). */
  #reading = false
  /** The commit under way, if any: settled (awaited) before the next one, and before the target changes. */
  #inFlight: Promise<void> | undefined
  #firstOpen = true
  /** Lines pending at the end of the file that are committed without waiting for the deadline (see {@link EOF_COMMIT_DIVISOR}). */
  readonly #eofCommitRows: number

  /** `path` is absolute: it is the key of the path's generations in `ingest_sources.path`. */
  constructor(db: Kysely<Database>, writer: LogWriter, path: string, stats: FollowedSource, options: FileFollowerOptions) {
    this.#db = db
    this.#path = path
    this.#stats = stats
    this.#options = options
    this.#eofCommitRows = Math.max(1, Math.ceil(options.batchSize / EOF_COMMIT_DIVISOR))
    this.#committer = new SourceCommitter(writer, stats, {key: undefined, path, head: Buffer.alloc(0), expected: undefined}, options.retry)
  }

  /** Follows until the signal aborts; commits what was read before returning. */
  async run(): Promise<void> {
    const {signal} = this.#options
    const events = new FileEvents(this.#path)
    this.#batcher = new ThreadedLineBatcher()
    try {
      await this.#readRotatedGenerations()
      while (!signal?.aborted) {
        if (this.#file === undefined && !(await this.#open())) {
          await events.next(signal)
          continue
        }

        await this.#readToEnd()
        if ((await this.#replaced()) || (await this.#truncated())) continue
        const batcher = this.#batcher
        const due = batcher.pendingSince + this.#options.flushMs
        if (batcher.hasPending && (Date.now() >= due || batcher.rows >= this.#eofCommitRows)) await this.#commit()
        // lines waiting are committed before sleeping (the flush deadline is kept from when they were read)
        await this.#settle()
        await events.next(signal, batcher.hasPending ? due : undefined)
      }

      if (this.#reading && this.#batcher.hasPending) await this.#commit()
      await this.#settle()
    } finally {
      events.close()
      await this.#inFlight?.catch(() => undefined)
      await this.#batcher.close()
      await this.#file?.handle.close()
      this.#file = undefined
      this.#reading = false
    }
  }

  /** Opens the file at the path and decides where to read it from; false when there is none (yet). */
  async #open(): Promise<boolean> {
    const opened = await openFollowed(this.#path)
    if (!('file' in opened)) {
      if (this.#stats.waiting !== opened.message) debug('waiting for %s: %s', this.#path, opened.message)
      this.#stats.waiting = opened.message
      return false
    }

    const {file} = opened
    delete this.#stats.waiting
    const stored = await readSourceProgress(this.#db, file.key)
    const size = (await file.handle.stat()).size
    const plan = planResume(stored, {head: file.head, size}, this.#firstOpen && this.#options.fromStart === true)
    if (this.#firstOpen) {
      if (plan.start.line > 0) this.#stats.resumedAfter = plan.start.line
      if (plan.restart) this.#stats.restart = plan.restart
    }

    this.#firstOpen = false
    file.stored = stored
    this.#start(file, plan.start)
    debug('following %s (%s) from line %d, byte %d', this.#path, file.key, plan.start.line, plan.start.offset)
    return true
  }

  /** Reads `file` from `start`; `expected` is its progress row as last seen (default: as stored when opened). */
  #start(file: FollowedFile, start: {line: number; offset: number}, expected: ProgressExpectation = file.stored && {offset: file.stored.offset, line: file.stored.line}): void {
    file.position = start.offset
    this.#file = file
    this.#batcher!.start(this.#stats.source, start)
    this.#reading = true
    this.#stats.lastLine = start.line
    this.#stats.offset = start.offset
    this.#committer.retarget({key: file.key, path: this.#path, head: file.head, expected})
  }

  /** Reads what the file holds past the position, committing each full batch. */
  async #readToEnd(): Promise<void> {
    const file = this.#file!
    const batcher = this.#batcher!
    for (;;) {
      const chunk = await readChunk(file)
      if (chunk.length === 0) return
      if (await refreshHead(file, file.position)) this.#committer.setHead(file.head)
      batcher.push(chunk)
      if (batcher.rows >= this.#options.batchSize || batcher.full) await this.#commit()
      if (this.#options.signal?.aborted) return
    }
  }

  /** The path now names another file (or none, and the old one is gone): finish the old one and switch. */
  async #replaced(): Promise<boolean> {
    const file = this.#file!
    let now
    try {
      now = await stat(this.#path)
    } catch (error) {
      // renamed away, nothing created yet: the writer may still append to the old file
      debug('%s: %s; still reading the file it was', this.#path, (error as NodeJS.ErrnoException).code)
      return false
    }

    if (now.dev === file.dev && now.ino === file.ino) return false
    await this.#readToEnd() // what was written before the writer moved to the new file
    this.#batcher!.end()
    if (this.#batcher!.hasPending) await this.#commit()
    await this.#settle()
    debug('%s was rotated: %s read to its end (line %d)', this.#path, file.key, this.#stats.lastLine)
    this.#stats.rotations++
    await file.handle.close()
    this.#file = undefined
    this.#reading = false
    return true
  }

  /** The file is shorter than what was read: commit what was read, then read it again from its start. */
  async #truncated(): Promise<boolean> {
    const file = this.#file!
    const {size} = await file.handle.stat()
    if (size >= file.position) return false
    if (this.#batcher!.hasPending) await this.#commit()
    await this.#settle()
    debug('%s was truncated (%d bytes, %d read): reading it from its start', this.#path, size, file.position)
    this.#stats.truncations++
    this.#stats.restart = 'truncated'
    file.head = Buffer.alloc(0)
    await refreshHead(file, size)
    this.#start(file, {line: 0, offset: 0}, this.#committer.expected)
    return true
  }

  /** On start: the rest of each file that was this path and was renamed while no follower ran. */
  async #readRotatedGenerations(): Promise<void> {
    const current = await openFollowed(this.#path)
    const currentKey = 'file' in current ? current.file.key : undefined
    if ('file' in current) await current.file.handle.close()
    for (const generation of await findRotatedGenerations(this.#db, this.#path, currentKey)) {
      const opened = await openFollowed(generation.path)
      if (!('file' in opened)) continue
      const {file} = opened
      try {
        const size = (await file.handle.stat()).size
        const plan = planResume(generation.progress, {head: file.head, size}, false)
        if (file.key !== generation.progress.key || plan.restart) continue // changed since it was listed
        file.stored = generation.progress
        this.#start(file, plan.start)
        debug('%s: reading the rest of %s, rotated while stopped, from line %d', this.#path, generation.path, plan.start.line)
        await this.#readToEnd()
        this.#batcher!.end()
        if (this.#batcher!.hasPending) await this.#commit()
        await this.#settle()
        this.#stats.rotations++
      } finally {
        await this.#inFlight?.catch(() => undefined)
        await file.handle.close()
        this.#file = undefined
        this.#reading = false
      }
    }
  }

  /**
   * Takes the lines read so far and commits them once the commit before has
   * landed, without waiting for this one (see {@link #settle}): reading and
   * parsing go on meanwhile. Throws what the commit before threw.
   */
  async #commit(): Promise<void> {
    await this.#settle()
    const taken = this.#batcher!.take()
    const committing = taken.then((batch) => this.#committer.commit(batch))
    committing.catch(() => undefined) // awaited by the next #settle; not an unhandled rejection meanwhile
    this.#inFlight = committing
  }

  /** Waits for the commit under way; throws what it threw. */
  async #settle(): Promise<void> {
    const inFlight = this.#inFlight
    this.#inFlight = undefined
    await inFlight
  }
}
