/**
 * The pid file of a `--daemon` fleet: claimed atomically, recognised as
 * stale when its process is gone or is not a decnet fleet master.
 */
import {closeSync, constants, fchmodSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync} from 'node:fs'

import {makeDebug} from '../util/lazy-debug.js'

const debug = makeDebug('decnet:control')

/** A fleet of that name already runs; `pid` is its master (or the command starting it). */
export class AlreadyRunningError extends Error {
  readonly fleet: string
  readonly pid: number | undefined

  constructor(fleet: string, pid: number | undefined, where: string) {
    const who = pid === undefined ? '' : ` (pid ${pid})`
    super(`fleet '${fleet}' is already running${who}, see ${where}; stop it first: decnet fleet stop ${fleet}`)
    this.name = 'AlreadyRunningError'
    this.fleet = fleet
    this.pid = pid
  }
}

/** What a pid file says. */
export type PidFileState =
  | {readonly pid: number; readonly state: 'running'}
  | {readonly state: 'absent'}
  | {readonly state: 'stale'; readonly why: string}

/** The arguments a process was started with, from /proc/PID/cmdline; undefined when it is gone or a zombie. */
export function commandLine(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) return undefined
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1)
  } catch (error) {
    debug('pid %d: %s', pid, (error as Error).message)
    return undefined
  }
}

/** True when process `pid` is alive (not a zombie). */
export function isRunning(pid: number): boolean {
  return commandLine(pid) !== undefined
}

/**
 * True when `pid` is alive and runs `decnet fleet FLEET` (decnet's bin script,
 * then `fleet`, then the fleet's name among the arguments).
 */
export function isFleetMaster(pid: number, fleet: string): boolean {
  const args = commandLine(pid)
  if (args === undefined) return false
  const at = args.indexOf('fleet')
  return at > 0 && args.slice(0, at).some((arg) => /(^|\/)(decnet|run\.js|dev\.js)$/.test(arg)) && args.slice(at + 1).includes(fleet)
}

/** Reads and judges the pid file of `fleet`. */
export function inspectPidFile(path: string, fleet: string): PidFileState {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {state: 'absent'}
    throw error
  }

  if (!/^\d+$/.test(text)) return {state: 'stale', why: `it holds no pid (${JSON.stringify(text.slice(0, 40))})`}
  const pid = Number(text)
  if (!isRunning(pid)) return {state: 'stale', why: `process ${pid} is gone`}
  if (!isFleetMaster(pid, fleet)) return {state: 'stale', why: `process ${pid} is not a decnet fleet ${fleet}`}
  return {pid, state: 'running'}
}

/**
 * Creates the pid file holding `pid`, atomically (two commands racing cannot
 * both succeed). A stale pid file is replaced.
 *
 * @returns why the pid file it replaced was stale, if it replaced one
 * @throws {@link AlreadyRunningError} when it names a live fleet master
 */
export function claimPidFile(path: string, fleet: string, pid: number): string | undefined {
  const temporary = `${path}.${process.pid}.tmp`
  writeTemporary(temporary, pid)
  let replaced: string | undefined
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, path)
        return replaced
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }

      const found = inspectPidFile(path, fleet)
      if (found.state === 'running' || attempt > 0) throw new AlreadyRunningError(fleet, found.state === 'running' ? found.pid : undefined, path)
      if (found.state === 'stale') replaced = found.why
      debug('replacing stale pid file %s: %s', path, replaced)
      rmSync(path, {force: true})
    }
  } finally {
    rmSync(temporary, {force: true})
  }
}

/** Replaces the pid in a pid file this process claimed (atomically: readers never see it empty). */
export function rewritePidFile(path: string, pid: number): void {
  const temporary = `${path}.${process.pid}.tmp`
  writeTemporary(temporary, pid)
  renameSync(temporary, path)
}

/**
 * Writes a pid file's temporary: a new file or nothing. Opening it with a
 * plain write would follow a symlink planted at that (predictable) path and
 * truncate its target as root; O_EXCL fails on any existing entry, symlinks
 * included, and a leftover of a dead process with our pid is removed first.
 */
function writeTemporary(temporary: string, pid: number): void {
  rmSync(temporary, {force: true}) // unlinks a symlink itself, never its target
  const fd = openSync(temporary, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o644)
  try {
    fchmodSync(fd, 0o644) // readable by status tools whatever the umask; only its owner writes it
    writeSync(fd, `${pid}\n`)
  } finally {
    closeSync(fd)
  }
}

/** Removes the pid file if it still names `pid` (a newer master's file is left alone). */
export function releasePidFile(path: string, pid: number): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(pid)) rmSync(path, {force: true})
  } catch (error) {
    debug('pid file %s: %s', path, (error as Error).message)
  }
}
