import {open} from 'node:fs/promises'
import type {Readable} from 'node:stream'

import {unreadable} from './input-error.js'

/** An input opened for reading: its stream and, for a regular file, its size. */
export interface OpenedInput {
  stream: Readable
  size: number | undefined
}

/** Read in large chunks: fewer, bigger buffers for the line splitter. */
const CHUNK_BYTES = 256 * 1024

/**
 * Opens a log input: `-` is `stdin` (default `process.stdin`), anything else a file path. A missing
 * file, a directory or a file without read permission fails here, before any
 * line is read, with an `InputError` naming the file.
 */
export async function openInput(source: string, stdin?: Readable): Promise<OpenedInput> {
  if (source === '-') return {stream: stdin ?? process.stdin, size: undefined}
  let handle
  try {
    handle = await open(source, 'r')
    const stats = await handle.stat()
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), {code: 'EISDIR'})
    return {stream: handle.createReadStream({highWaterMark: CHUNK_BYTES}), size: stats.isFile() ? stats.size : undefined}
  } catch (error) {
    await handle?.close()
    throw unreadable(source, error)
  }
}
