import {randomBytes} from 'node:crypto'
import {constants} from 'node:fs'
import {chmod, lstat, mkdir, open, unlink} from 'node:fs/promises'
import {join} from 'node:path'

import {SpoolError} from './spool-error.js'

const {O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY} = constants

/** Creates the spool directory (0700, parents too) or checks the one there: a real directory (not a symbolic link) owned by this user, 0700. */
export async function prepareSpoolDirectory(dir: string, log: (line: string) => void): Promise<void> {
  try {
    await mkdir(dir, {recursive: true, mode: 0o700})
  } catch (error) {
    throw new SpoolError(`cannot create the spool directory ${dir}: ${(error as Error).message}`, {cause: error})
  }

  const stat = await lstat(dir)
  if (stat.isSymbolicLink()) throw new SpoolError(`the spool directory ${dir} is a symbolic link: refusing to follow it (give --spool-dir a real directory)`)
  if (!stat.isDirectory()) throw new SpoolError(`the spool directory ${dir} is not a directory`)
  const uid = process.getuid?.()
  if (uid !== undefined && stat.uid !== uid) throw new SpoolError(`the spool directory ${dir} belongs to uid ${stat.uid}, not to this user (uid ${uid}): refusing to use it`)
  if ((stat.mode & 0o077) !== 0) {
    await chmod(dir, 0o700)
    log(`spool: ${dir} was readable or writable by others (mode ${(stat.mode & 0o777).toString(8)}): now 0700`)
  }
}

/**
 * Takes the spool's lock file (`lock`, holding this process's id): one
 * receiver per spool directory. A lock left by a process that is gone
 * (SIGKILL) is taken over.
 *
 * @throws SpoolError when a live process holds it.
 */
export async function lockSpool(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'lock')
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      return () => unlink(path).catch(() => undefined)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw new SpoolError(`cannot lock the spool ${dir}: ${(error as Error).message}`, {cause: error})
    }

    const holder = await readSmallFile(path).catch(() => '')
    const pid = Number(holder.trim())
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new SpoolError(`the spool ${dir} is in use by process ${pid} (one receiver per spool directory: give this one its own --spool-dir)`)
    }

    await unlink(path)
  }
}

/** The spool's identity (`id`: random, made with the directory): the key its drained position is stored under. */
export async function spoolIdentity(dir: string): Promise<string> {
  const path = join(dir, 'id')
  try {
    const id = (await readSmallFile(path)).trim()
    if (/^[0-9a-f]{32}$/.test(id)) return id
    throw new SpoolError(`the spool's identity file ${path} is damaged (expected 32 hex digits): remove the spool directory once it is drained`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error instanceof SpoolError ? error : new SpoolError(`cannot read ${path}: ${(error as Error).message}`, {cause: error})
  }

  const id = randomBytes(16).toString('hex')
  const handle = await open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
  try {
    await handle.writeFile(`${id}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }

  await syncDirectory(dir)
  return id
}

/** Makes a directory's entries (a file created or removed) durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, O_RDONLY)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function readSmallFile(path: string): Promise<string> {
  const handle = await open(path, O_RDONLY | O_NOFOLLOW)
  try {
    const {buffer, bytesRead} = await handle.read(Buffer.alloc(64), 0, 64, 0)
    return buffer.toString('utf8', 0, bytesRead)
  } finally {
    await handle.close()
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
