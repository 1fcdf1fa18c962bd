import {constants} from 'node:fs'
import {lstat, open, readdir, unlink, type FileHandle} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {lockSpool, prepareSpoolDirectory, spoolIdentity, syncDirectory} from './spool-directory.js'
import {SpoolError} from './spool-error.js'
import {RECORD_HEADER_BYTES, checksumMatches, encodeRecord, readHeader, type SpoolRecord} from './spool-record.js'

export type {SpoolRecord} from './spool-record.js'

const {O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR, O_WRONLY} = constants

/** `segment-<first sequence number, 16 digits>.spool` */
const SEGMENT_NAME = /^segment-(\d{16})\.spool$/

/** The default bound of a spool: 1 GiB. */
export const DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024

/** The smallest bound accepted: four times the largest record a batch is cut into (one 64 KiB message of control bytes, JSON-escaped, is under 400 KiB), so the bound holds. */
export const MIN_SPOOL_MAX_BYTES = 1024 * 1024

/** Options of {@link Spool.open}. */
export interface SpoolOptions {
  /** The spool's directory (created 0700; must belong to this user). */
  dir: string
  /** Bytes of segment files at most (default 1 GiB): an append waits for room past it. */
  maxBytes?: number
  log?: (line: string) => void
}

interface Segment {
  name: string
  firstSeq: number
  lastSeq: number
  /** Bytes of whole records: everything before is durable. */
  bytes: number
}

const segmentName = (seq: number): string => `segment-${String(seq).padStart(16, '0')}.spool`

/**
 * A bounded on-disk queue of numbered records (the syslog receiver's batches
 * while its database is away), in segment files of a private directory.
 * `append` returns once its record is fsync'd; `read` gives records in
 * order; `release` deletes the segments whose records are all stored
 * elsewhere. Segment files are created with O_EXCL | O_NOFOLLOW (a file or
 * symbolic link planted at a segment's path is refused, never followed or
 * overwritten) and read with O_NOFOLLOW. Records are framed with their
 * length and a CRC-32 (see `spool-record.ts`): on opening, a segment's cut
 * or damaged tail (a crash during an append, which was never acknowledged)
 * is logged and truncated, keeping every whole record before it.
 *
 * @example
 * ```ts
 * const spool = await Spool.open({dir: '/var/lib/decnet/receive-spool', maxBytes: 1 << 30})
 * await spool.append(7, Buffer.from('...'))
 * for (const record of await spool.read(6, 1 << 20)) store(record)
 * await spool.release(7)
 * ```
 */
export class Spool {
  /** The spool's identity (random, kept in the directory). */
  readonly id: string
  readonly dir: string
  readonly maxBytes: number
  readonly #segmentBytes: number
  readonly #log: (line: string) => void
  readonly #unlock: () => Promise<void>
  readonly #segments: Segment[]
  #bytes: number
  /** The segment this process appends to, and its file. */
  #active: {segment: Segment; handle: FileHandle} | undefined
  /** Where the record after the last one read starts. */
  #hint: {name: string; offset: number; seq: number} | undefined
  #roomWaiters: Array<() => void> = []
  #full = false
  /** True while an append writes to the active segment (which must not be deleted meanwhile). */
  #writing = false

  private constructor(dir: string, id: string, maxBytes: number, segments: Segment[], log: (line: string) => void, unlock: () => Promise<void>) {
    this.dir = dir
    this.id = id
    this.maxBytes = maxBytes
    this.#segmentBytes = Math.max(16 * 1024, Math.min(16 * 1024 * 1024, Math.floor(maxBytes / 8)))
    this.#segments = segments
    this.#bytes = segments.reduce((sum, segment) => sum + segment.bytes, 0)
    this.#log = log
    this.#unlock = unlock
  }

  /**
   * Opens (or creates) the spool in `options.dir`, locks it, and checks its
   * segments.
   *
   * @throws SpoolError when the directory or a segment is not what decnet
   *   made (a symbolic link, another owner), or another process uses it.
   */
  static async open(options: SpoolOptions): Promise<Spool> {
    const dir = resolve(options.dir)
    const log = options.log ?? (() => undefined)
    const maxBytes = options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES
    if (!Number.isSafeInteger(maxBytes) || maxBytes < MIN_SPOOL_MAX_BYTES) throw new SpoolError(`the spool's size limit must be at least ${MIN_SPOOL_MAX_BYTES} bytes, got ${maxBytes}`)
    await prepareSpoolDirectory(dir, log)
    const unlock = await lockSpool(dir)
    try {
      const id = await spoolIdentity(dir)
      const segments = await scanSegments(dir, log)
      return new Spool(dir, id, maxBytes, segments, log, unlock)
    } catch (error) {
      await unlock()
      throw error
    }
  }

  /** Bytes of segment files. */
  get bytes(): number {
    return this.#bytes
  }

  /** The sequence number of the last record (0: none in the spool). */
  get lastSeq(): number {
    return this.#segments.at(-1)?.lastSeq ?? 0
  }

  /** True while an append waits for room. */
  get full(): boolean {
    return this.#full
  }

  /**
   * Appends a record and returns once it is on disk (written and fsync'd).
   * Waits while the record would take the spool past `maxBytes` (unless it
   * is empty: a record larger than the bound is still taken, alone);
   * `signal` ends that wait.
   *
   * @throws SpoolError when the write fails, a segment cannot be created
   *   (something already at its path), or `signal` aborted the wait.
   */
  async append(seq: number, payload: Buffer, signal?: AbortSignal): Promise<void> {
    const record = encodeRecord(seq, payload)
    while (this.#bytes > 0 && this.#bytes + record.length > this.maxBytes) {
      if (!this.#full) this.#log(`spool full (${this.#bytes} bytes of ${this.maxBytes}): reading nothing more until the database takes what it holds`)
      this.#full = true
      if (!(await this.#room(signal))) throw new SpoolError('stopped while the spool was full: the batch was not stored')
    }

    if (this.#full) this.#log(`spool has room again (${this.#bytes} bytes of ${this.maxBytes}): reading on`)
    this.#full = false
    // set before a new segment is made: release() must not delete it under this append
    this.#writing = true
    let active
    try {
      active = this.#active !== undefined && this.#active.segment.bytes < this.#segmentBytes ? this.#active : await this.#newSegment(seq)
    } catch (error) {
      this.#writing = false
      throw error
    }

    const {segment, handle} = active
    try {
      for (let written = 0; written < record.length; ) written += (await handle.write(record, written, record.length - written)).bytesWritten
      await handle.datasync()
    } catch (error) {
      // a partial record must not stay in front of the next one
      await handle.truncate(segment.bytes).catch(() => (this.#active = undefined))
      throw new SpoolError(`cannot write to the spool segment ${join(this.dir, segment.name)}: ${(error as Error).message}`, {cause: error})
    } finally {
      this.#writing = false
    }

    segment.bytes += record.length
    segment.lastSeq = seq
    this.#bytes += record.length
  }

  /** Records after `afterSeq`, in order, about `maxBytes` of payload (at least one when there is one). @throws SpoolError when a segment was damaged since it was opened. */
  async read(afterSeq: number, maxBytes: number): Promise<SpoolRecord[]> {
    const records: SpoolRecord[] = []
    let total = 0
    for (const segment of [...this.#segments]) {
      if (segment.lastSeq <= afterSeq) continue
      const hint = this.#hint
      let offset = hint !== undefined && hint.name === segment.name && hint.seq === afterSeq + 1 ? hint.offset : 0
      const handle = await open(join(this.dir, segment.name), O_RDONLY | O_NOFOLLOW)
      try {
        const header = Buffer.alloc(RECORD_HEADER_BYTES)
        while (offset < segment.bytes && total < maxBytes) {
          await readExactly(handle, header, offset)
          const verdict = readHeader(header, segment.bytes - offset)
          if (!verdict.ok) throw new SpoolError(`spool segment ${segment.name} damaged at byte ${offset}: ${verdict.why}`)
          const payload = Buffer.allocUnsafe(verdict.length)
          await readExactly(handle, payload, offset + RECORD_HEADER_BYTES)
          if (!checksumMatches(header, payload)) throw new SpoolError(`spool segment ${segment.name} damaged at byte ${offset}: record ${verdict.seq} fails its checksum`)
          offset += RECORD_HEADER_BYTES + verdict.length
          if (verdict.seq <= afterSeq) continue
          records.push({seq: verdict.seq, payload})
          total += payload.length
          this.#hint = {name: segment.name, offset, seq: verdict.seq + 1}
        }
      } finally {
        await handle.close()
      }

      if (total >= maxBytes) break
    }

    return records
  }

  /** Deletes the segments whose records all have numbers up to `throughSeq` (stored elsewhere): their room is free again. */
  async release(throughSeq: number): Promise<void> {
    while (this.#segments.length > 0 && this.#segments[0].lastSeq <= throughSeq) {
      const segment = this.#segments[0]
      if (this.#active?.segment === segment) {
        if (this.#writing) break
        await this.#active.handle.close()
        this.#active = undefined
      }

      await unlink(join(this.dir, segment.name))
      this.#segments.shift()
      this.#bytes -= segment.bytes
    }

    const waiters = this.#roomWaiters
    this.#roomWaiters = []
    for (const wake of waiters) wake()
  }

  /** Closes the active segment and unlocks the directory (what it holds stays for the next run). */
  async close(): Promise<void> {
    await this.#active?.handle.close()
    this.#active = undefined
    const waiters = this.#roomWaiters
    this.#roomWaiters = []
    for (const wake of waiters) wake()
    await this.#unlock()
  }

  async #newSegment(seq: number): Promise<{segment: Segment; handle: FileHandle}> {
    const previous = this.#active
    this.#active = undefined
    await previous?.handle.close()
    const name = segmentName(seq)
    let handle: FileHandle
    try {
      handle = await open(join(this.dir, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND, 0o600)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'EEXIST' || code === 'ELOOP' ? 'something (a file or a symbolic link) is already at that path: refusing to follow or overwrite it' : (error as Error).message
      throw new SpoolError(`cannot create the spool segment ${join(this.dir, name)}: ${why}`, {cause: error})
    }

    await syncDirectory(this.dir)
    const segment = {name, firstSeq: seq, lastSeq: seq - 1, bytes: 0}
    this.#segments.push(segment)
    this.#active = {segment, handle}
    return this.#active
  }

  #room(signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false)
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false)
      signal?.addEventListener('abort', onAbort, {once: true})
      this.#roomWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve(!(signal?.aborted ?? false))
      })
    })
  }
}

/** The segments in `dir`, oldest first, each checked record by record; a cut or damaged tail is truncated (and logged). */
async function scanSegments(dir: string, log: (line: string) => void): Promise<Segment[]> {
  const names = (await readdir(dir)).filter((name) => SEGMENT_NAME.test(name)).sort()
  const segments: Segment[] = []
  for (const name of names) {
    const path = join(dir, name)
    const stat = await lstat(path)
    if (!stat.isFile()) throw new SpoolError(`the spool segment ${path} is not a regular file${stat.isSymbolicLink() ? ' (a symbolic link)' : ''}: refusing to read or follow it (decnet did not make it; remove it)`)
    let handle: FileHandle
    try {
      handle = await open(path, O_RDWR | O_NOFOLLOW)
    } catch (error) {
      throw new SpoolError(`cannot open the spool segment ${path}: ${(error as Error).message}`, {cause: error})
    }

    try {
      const data = await handle.readFile()
      const firstSeq = Number(SEGMENT_NAME.exec(name)![1])
      const {end, lastSeq, records, why} = wholeRecords(data, firstSeq)
      if (why !== undefined) {
        log(`spool: ${name}: ${why} at byte ${end}; keeping the ${records} whole records before it, dropping its last ${data.length - end} bytes (an append cut by a crash is never acknowledged to a sender)`)
        await handle.truncate(end)
        await handle.sync()
      }

      if (end === 0) {
        await handle.close()
        await unlink(path)
        continue
      }

      segments.push({name, firstSeq, lastSeq, bytes: end})
    } finally {
      await handle.close().catch(() => undefined)
    }
  }

  return segments
}

/** Where the whole, intact records of `data` (numbered upwards from `firstSeq`) end, and why there is more after them, if there is. */
function wholeRecords(data: Buffer, firstSeq: number): {end: number; lastSeq: number; records: number; why?: string} {
  let offset = 0
  let lastSeq = firstSeq - 1
  let records = 0
  while (offset < data.length) {
    const verdict = readHeader(data.subarray(offset, offset + RECORD_HEADER_BYTES), data.length - offset)
    if (!verdict.ok) return {end: offset, lastSeq, records, why: verdict.why}
    if (verdict.seq <= lastSeq) return {end: offset, lastSeq, records, why: `record numbered ${verdict.seq} after record ${lastSeq}`}
    const start = offset + RECORD_HEADER_BYTES
    if (!checksumMatches(data.subarray(offset, start), data.subarray(start, start + verdict.length))) return {end: offset, lastSeq, records, why: `record ${verdict.seq} fails its checksum`}
    offset = start + verdict.length
    lastSeq = verdict.seq
    records++
  }

  return {end: offset, lastSeq, records}
}

async function readExactly(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const {bytesRead} = await handle.read(into, done, into.length - done, position + done)
    if (bytesRead === 0) throw new SpoolError(`a spool segment is shorter than expected (it was changed behind decnet's back)`)
    done += bytesRead
  }
}
