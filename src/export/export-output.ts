/**
 * Where an export goes: standard output, or a file written beside its
 * destination and renamed over it once complete (a reader sees the old file
 * or the whole new one, never half of one), never through a symbolic link.
 * Text is gathered into chunks of {@link CHUNK_BYTES} so that an export of
 * millions of small objects makes a few thousand writes, not millions.
 */
import {constants} from 'node:fs'
import {lstat, open, rename, rm} from 'node:fs/promises'
import {randomBytes} from 'node:crypto'
import {basename, dirname, join} from 'node:path'

import type {FileHandle} from 'node:fs/promises'

import {ExportOutputError} from './export-errors.js'

/** Text gathered before a write. */
export const CHUNK_BYTES = 64 * 1024

/** Writes text somewhere; resolves when more may be written. */
export type WriteText = (text: string) => Promise<void>

/** An export's destination: `write` as often as needed, then `finish` (or `abort` on failure). */
export interface ExportOutput {
  write(text: string): Promise<void>
  /** Writes what is gathered and, for a file, syncs it and renames it into place. */
  finish(): Promise<void>
  /** Drops a file not yet in place. */
  abort(): Promise<void>
}

/**
 * The destination `path` names, or `stdout` when there is none.
 *
 * @throws ExportOutputError when `path` is a symbolic link or a directory, or its directory cannot take a new file.
 * @example
 * ```ts
 * const out = await openExportOutput(flags.output, writeOut)
 * try { await exportJson(db, out.write); await out.finish() } catch (error) { await out.abort(); throw error }
 * ```
 */
export async function openExportOutput(path: string | undefined, stdout: WriteText): Promise<ExportOutput> {
  if (path === undefined || path === '-') return gathered(stdout, async () => {}, async () => {})
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw new ExportOutputError(`${path}: cannot write the export there: ${error.code ?? error.message}`)
  })
  if (existing?.isSymbolicLink()) throw new ExportOutputError(`${path} is a symbolic link; refusing to write the export through it (name the file itself)`)
  if (existing !== undefined && !existing.isFile()) throw new ExportOutputError(`${path} is not a regular file; refusing to replace it with the export`)
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  let handle: FileHandle
  try {
    // 0600: an export carries the credentials attackers tried
    handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  } catch (error) {
    throw new ExportOutputError(`${path}: cannot create the export beside it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }

  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await handle.close()
  }

  return gathered(
    async (text) => {
      await handle.write(text)
    },
    async () => {
      await handle.sync()
      await close()
      await rename(temporary, path) // replaces a link put at `path` meanwhile, never what it points to
    },
    async () => {
      await close().catch(() => {}) // already failing: the first error is the one reported
      await rm(temporary, {force: true})
    },
  )
}

function gathered(write: WriteText, done: () => Promise<void>, drop: () => Promise<void>): ExportOutput {
  let parts: string[] = []
  let size = 0
  const flush = async () => {
    if (size === 0) return
    const text = parts.join('')
    parts = []
    size = 0
    await write(text)
  }

  return {
    async abort() {
      parts = []
      size = 0
      await drop()
    },
    async finish() {
      await flush()
      await done()
    },
    async write(text: string) {
      parts.push(text)
      size += text.length
      if (size >= CHUNK_BYTES) await flush()
    },
  }
}
