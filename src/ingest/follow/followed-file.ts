import {open, type FileHandle} from 'node:fs/promises'

import type {SourceProgress} from '../../db/source-progress.js'
import {FINGERPRINT_BYTES} from '../fingerprint.js'
import {CHUNK_BYTES} from '../open-input.js'

/** One generation of a followed path, open: the file behind it when it was opened. */
export interface FollowedFile {
  handle: FileHandle
  /** `file:DEVICE:INODE`: its `ingest_sources` key. */
  key: string
  dev: number
  ino: number
  /** Its first bytes, up to `FINGERPRINT_BYTES` (more are read as the file grows). */
  head: Buffer
  /** Where the next read starts. */
  position: number
  /** Its stored progress when it was opened. */
  stored: SourceProgress | undefined
}

/** What opening a path found: the file, or why not (`ENOENT`: not there yet). */
export type OpenResult = {file: FollowedFile} | {code: string; message: string}

/**
 * Opens a regular file for following, never a directory, FIFO or device.
 * The identity is the descriptor's (fstat), so the file identified is the
 * file read even if the path is renamed meanwhile.
 */
export async function openFollowed(path: string): Promise<OpenResult> {
  let handle: FileHandle | undefined
  try {
    handle = await open(path, 'r')
    const stats = await handle.stat({bigint: false})
    if (!stats.isFile()) {
      await handle.close()
      return {code: stats.isDirectory() ? 'EISDIR' : 'ENOTREG', message: stats.isDirectory() ? 'is a directory' : 'is not a regular file'}
    }

    const file: FollowedFile = {handle, key: `file:${stats.dev}:${stats.ino}`, dev: stats.dev, ino: stats.ino, head: Buffer.alloc(0), position: 0, stored: undefined}
    await refreshHead(file, stats.size)
    return {file}
  } catch (error) {
    await handle?.close()
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
    return {code, message: code === 'ENOENT' ? 'no such file (yet)' : code === 'EACCES' ? 'permission denied' : (error as Error).message}
  }
}

/** Reads the file's first bytes again when it has grown past what `head` holds (up to `FINGERPRINT_BYTES`). */
export async function refreshHead(file: FollowedFile, size: number): Promise<boolean> {
  const want = Math.min(FINGERPRINT_BYTES, size)
  if (file.head.length >= want) return false
  const head = Buffer.alloc(want)
  const {bytesRead} = await file.handle.read(head, 0, want, 0)
  file.head = head.subarray(0, bytesRead)
  return true
}

/** The next chunk from the file's current position (empty at its end); moves the position. */
export async function readChunk(file: FollowedFile): Promise<Buffer> {
  // a new buffer each time: the line splitter may keep part of it
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
  const {bytesRead} = await file.handle.read(buffer, 0, CHUNK_BYTES, file.position)
  file.position += bytesRead
  return buffer.subarray(0, bytesRead)
}
