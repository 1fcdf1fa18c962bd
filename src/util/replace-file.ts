/**
 * Replacing a file whole, so that a reader sees the old content or the new,
 * never a half-written file, and a symbolic link planted at the name is
 * replaced rather than written through.
 */
import {randomBytes} from 'node:crypto'
import {constants} from 'node:fs'
import {open, rename, rm} from 'node:fs/promises'
import {dirname} from 'node:path'

/**
 * Writes `content` to a fresh file beside `path` (O_EXCL | O_NOFOLLOW, `mode`),
 * syncs it, renames it over `path` and syncs the directory.
 *
 * @example
 * ```ts
 * await replaceFile('/var/lib/decnet/rule-state.json', '{}\n', 0o644)
 * ```
 */
export async function replaceFile(path: string, content: Buffer | string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode)
  try {
    await handle.writeFile(content)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(temporary, {force: true})
    throw error
  }

  await handle.close()
  await rename(temporary, path) // replaces the name `path`, never what a link there would point to
  const directory = await open(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY)
  try {
    await directory.sync()
  } finally {
    await directory.close()
  }
}
