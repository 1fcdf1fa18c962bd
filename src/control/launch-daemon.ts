/**
 * `decnet fleet NAME --daemon`: start a detached copy of the command (its own
 * session, no controlling terminal, output appended to the fleet's log) and
 * wait until its fleet is ready or it has failed.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync, constants, fstatSync, openSync, writeSync} from 'node:fs'
import {dirname} from 'node:path'

import createDebug from 'debug'

import {ExitCode} from '../exit-codes.js'
import {ControlError, requestStatus} from './control-client.js'
import {ensurePrivateDirectory, type FleetPaths} from './fleet-paths.js'
import {scanLines} from './log-file.js'
import {AlreadyRunningError, claimPidFile, releasePidFile, rewritePidFile} from './pid-file.js'

const debug = createDebug('decnet:control')

/** The flag the detached copy runs with (hidden): it reports readiness to its launcher. */
export const DAEMON_CHILD_FLAG = '--daemon-child'

/** The IPC message a daemon sends its launcher once every worker is ready. */
export const READY_MESSAGE = 'decnet:fleet-ready'

/** How many lines of the log a failed start shows. */
const TAIL_LINES = 20

/** The daemon did not start; `exitCode` is its exit code (or TIMEOUT) and `logTail` what it logged. */
export class DaemonStartError extends Error {
  readonly exitCode: number
  readonly logTail: readonly string[]

  constructor(message: string, exitCode: number, logTail: readonly string[]) {
    super(logTail.length > 0 ? `${message}; its log says:\n${logTail.map((line) => `  ${line}`).join('\n')}` : message)
    this.name = 'DaemonStartError'
    this.exitCode = exitCode
    this.logTail = logTail
  }
}

/** A file decnet writes as its user (the daemon's log) is a symlink or not a regular file: refused, never followed. */
export class UnsafeFileError extends Error {
  readonly path: string

  constructor(message: string, path: string) {
    super(message)
    this.name = 'UnsafeFileError'
    this.path = path
  }
}

/** How to start a daemon. */
export interface DaemonLaunch {
  readonly paths: FleetPaths
  /** The script and its arguments (`process.argv.slice(1)`), `-d`/`--daemon` included or not. */
  readonly argv: readonly string[]
  /** How long the fleet gets to be ready before it is stopped and the start reported failed. */
  readonly readyTimeoutMs: number
}

/** A daemon that started: its master's pid; `replaced` says why an old pid file was stale, if there was one. */
export interface DaemonStarted {
  readonly pid: number
  readonly replaced?: string
}

/**
 * Starts the daemon and resolves once its fleet is ready.
 *
 * @throws {@link AlreadyRunningError} when the fleet already runs (pid file or control socket)
 * @throws {@link DaemonStartError} when it exited, or was not ready in time (it is then stopped)
 */
export async function launchDaemon(launch: DaemonLaunch): Promise<DaemonStarted> {
  const {paths} = launch
  ensurePrivateDirectory(paths.runtimeDir)
  ensurePrivateDirectory(dirname(paths.logFile))
  const replaced = claimPidFile(paths.pidFile, paths.fleet, process.pid)
  try {
    await refuseAnsweringMaster(paths)
  } catch (error) {
    releasePidFile(paths.pidFile, process.pid)
    throw error
  }

  let log: number
  try {
    log = openLog(paths.logFile)
  } catch (error) {
    releasePidFile(paths.pidFile, process.pid)
    throw error
  }

  const offset = fstatSync(log).size
  let child: ChildProcess
  try {
    const args = [...launch.argv.filter((arg) => arg !== '-d' && arg !== '--daemon'), DAEMON_CHILD_FLAG]
    writeSync(log, `[decnet] ${new Date().toISOString()} starting fleet ${paths.fleet} as a daemon: ${args.slice(1, -1).join(' ')}\n`)
    child = spawn(process.execPath, [...process.execArgv, ...args], {detached: true, stdio: ['ignore', log, log, 'ipc']})
  } catch (error) {
    releasePidFile(paths.pidFile, process.pid)
    throw error
  } finally {
    closeSync(log)
  }

  const pid = child.pid ?? 0
  if (pid !== 0) rewritePidFile(paths.pidFile, pid)
  const end = await firstOf(child, launch.readyTimeoutMs)
  if (end.kind === 'ready') {
    child.disconnect()
    child.unref()
    return replaced === undefined ? {pid} : {pid, replaced}
  }

  let message: string
  let code: number
  if (end.kind === 'exit') {
    message = `failed to start: its master ${end.signal ? `was killed by ${end.signal}` : `exited with code ${end.code}`}`
    code = end.code || ExitCode.FAILURE
  } else if (end.kind === 'error') {
    message = `could not be started: ${end.error.message}`
    code = ExitCode.FAILURE
  } else {
    message = `${await notReady(paths, launch.readyTimeoutMs)}; stopped it`
    code = ExitCode.TIMEOUT
    await stopChild(child)
  }

  releasePidFile(paths.pidFile, pid === 0 ? process.pid : pid)
  throw new DaemonStartError(`fleet '${paths.fleet}' ${message}`, code, await tail(paths.logFile, offset))
}

/**
 * Opens the daemon's log for appending, never through a symlink (O_NOFOLLOW:
 * one planted at the log's path would make root append to its target), and
 * only a regular file (a FIFO would block, a device would be written to).
 * The pid file and control socket are guarded the same way.
 *
 * @throws {@link UnsafeFileError} when it is a symlink or not a regular file.
 */
export function openLog(path: string): number {
  let fd: number
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new UnsafeFileError(`refusing to write the fleet's log through a symlink at ${path}: remove it (decnet creates the log itself)`, path)
    }

    throw error
  }

  if (!fstatSync(fd).isFile()) {
    closeSync(fd)
    throw new UnsafeFileError(`refusing to write the fleet's log to ${path}: it is not a regular file; remove it`, path)
  }

  return fd
}

type End =
  | {code: null | number; kind: 'exit'; signal: NodeJS.Signals | null}
  | {error: Error; kind: 'error'}
  | {kind: 'ready'}
  | {kind: 'timeout'}

function firstOf(child: ChildProcess, timeoutMs: number): Promise<End> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({kind: 'timeout'}), timeoutMs)
    const done = (end: End) => {
      clearTimeout(timer)
      resolve(end)
    }

    child.on('message', (message) => message === READY_MESSAGE && done({kind: 'ready'}))
    child.once('exit', (code, signal) => done({code, kind: 'exit', signal}))
    child.once('error', (error) => done({error, kind: 'error'}))
  })
}

/** A fleet answering on the socket without a pid file is a foreground master: refuse too. */
async function refuseAnsweringMaster(paths: FleetPaths): Promise<void> {
  let pid: number
  try {
    pid = (await requestStatus(paths)).master.pid
  } catch (error) {
    if (error instanceof ControlError && error.notRunning) return
    throw error
  }

  throw new AlreadyRunningError(paths.fleet, pid, paths.socket)
}

async function notReady(paths: FleetPaths, timeoutMs: number): Promise<string> {
  const within = `was not ready within ${timeoutMs / 1000} s`
  try {
    const waiting = (await requestStatus(paths)).workers.filter((worker) => worker.state !== 'ready')
    return `${within} (${waiting.map((worker) => `${worker.name}: ${worker.state.replace('-', ' ')}`).join(', ')})`
  } catch (error) {
    return `${within} (${(error as Error).message})`
  }
}

/** SIGTERM, then (the fleet stops gracefully) SIGKILL if it is still there after a while. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(timer)
}

async function tail(path: string, offset: number): Promise<string[]> {
  const lines: string[] = []
  await scanLines(path, offset, Number.MAX_SAFE_INTEGER, (line) => lines.push(line))
  return lines.slice(-TAIL_LINES)
}

/** In the daemon: tells the launcher that the fleet is ready, then lets go of it. */
export function notifyLauncher(): void {
  if (!process.send || !process.connected) return
  process.send(READY_MESSAGE, undefined, {}, (error: Error | null) => {
    if (error) debug('cannot tell the launcher: %s', error.message)
    if (process.connected) process.disconnect()
  })
}
