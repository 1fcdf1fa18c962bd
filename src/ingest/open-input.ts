import {read} from 'node:fs'
import {promisify} from 'node:util'
import {open} from 'node:fs/promises'
import type {FileHandle} from 'node:fs/promises'

import {FINGERPRINT_BYTES} from './fingerprint.js'
import {unreadable} from './input-error.js'

/** Read in large chunks: fewer, bigger buffers for the line splitter. */
export const CHUNK_BYTES = 256 * 1024

/** A file input, open: what identifies it, and its first bytes. */
export interface OpenedFile {
  handle: FileHandle
  /** Set for a regular file: `file:DEVICE:INODE`, the key of its progress. Pipes and devices have none. */
  key: string | undefined
  /** The size at open (a regular file only). */
  size: number | undefined
  /** The first bytes (up to `FINGERPRINT_BYTES`) of a regular file; empty otherwise. */
  head: Buffer
}

/**
 * Opens a log file and reads what identifies it: device and inode, size and
 * first bytes. A missing file, a directory or a file without read permission
 * fails here, before any line is read, with an `InputError` naming the file.
 * The caller reads it through the same descriptor (see {@link readFrom}), so
 * the file identified is the file read, even if the path is replaced meanwhile.
 */
export async function openFile(path: string): Promise<OpenedFile> {
  let handle: FileHandle | undefined
  try {
    handle = await open(path, 'r')
    const stats = await handle.stat()
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), {code: 'EISDIR'})
    if (!stats.isFile()) return {handle, key: undefined, size: undefined, head: Buffer.alloc(0)}
    const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, stats.size))
    const {bytesRead} = await handle.read(head, 0, head.length, 0)
    return {handle, key: `file:${stats.dev}:${stats.ino}`, size: stats.size, head: head.subarray(0, bytesRead)}
  } catch (error) {
    await handle?.close()
    throw unreadable(path, error)
  }
}

const readAt = promisify(read)

/**
 * The bytes of an open file from `offset` (a regular file; a pipe is read
 * from where it is). The descriptor stays open whatever happens: its owner
 * closes it. (A `fs.ReadStream` on it closes it when a loop over it stops
 * early, whatever `autoClose` says.) Works on any thread of the process:
 * descriptors are per process.
 */
export async function* readFrom(fd: number, offset: number, regular: boolean): AsyncGenerator<Buffer> {
  let position = offset
  for (;;) {
    // a new buffer each time: the reader may keep a chunk (the binary sniff does)
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
    const {bytesRead} = await readAt(fd, buffer, 0, CHUNK_BYTES, regular ? position : null)
    if (bytesRead === 0) return
    position += bytesRead
    yield buffer.subarray(0, bytesRead)
  }
}
