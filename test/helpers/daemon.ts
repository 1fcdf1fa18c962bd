/**
 * Daemon fleets in tests: a private data directory with its own runtime
 * directory, /proc helpers, and cleanup of every process a test's daemons
 * started (found by the DECNET_DATA_DIR in their environment, so nothing
 * depends on pid files that a broken test may have left wrong).
 *
 * @example
 * ```ts
 * const fleet = daemonSetup(t, ['decnet-plugin-sample'])
 * const {code} = await runDecnet(t, ['fleet', 'sample', '--daemon', '--user', 'nobody'], {env: fleet.env})
 * const pid = readPid(fleet.pidFile('sample'))
 * ```
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {TestContext} from 'node:test'

import {requestStatus} from '../../src/control/control-client.js'
import type {FleetStatus} from '../../src/prefork/fleet-status.js'
import {linkedDataDir} from './decnet-cli.js'

/** A test's private data directory for daemon fleets, and where each fleet's files are. */
export interface DaemonSetup {
  readonly dir: string
  readonly env: Record<string, string>
  logFile(fleet: string): string
  pidFile(fleet: string): string
  readonly runtimeDir: string
  socket(fleet: string): string
  /** The fleet's status, straight from its socket (fast enough to poll). */
  status(fleet: string): Promise<FleetStatus>
}

/**
 * A data directory linking `plugins` (DECNET_RUNTIME_DIR inside it). Every
 * process whose environment points at it is SIGKILLed after the test.
 */
export function daemonSetup(t: TestContext, plugins: readonly string[]): DaemonSetup {
  const data = linkedDataDir(t, plugins)
  const runtimeDir = data.env.DECNET_RUNTIME_DIR
  t.after(() => {
    for (const pid of processesOf(data.dir)) killQuietly(pid)
  })
  return {
    dir: data.dir,
    env: data.env,
    logFile: (fleet) => join(data.dir, 'logs', `${fleet}.log`),
    pidFile: (fleet) => join(runtimeDir, `${fleet}.pid`),
    runtimeDir,
    socket: (fleet) => join(runtimeDir, `${fleet}.sock`),
    status: (fleet) => requestStatus({fleet, socket: join(runtimeDir, `${fleet}.sock`)}),
  }
}

/** Live processes (not zombies) whose environment has DECNET_DATA_DIR=dir: masters and workers. */
export function processesOf(dir: string): number[] {
  const marker = `\0DECNET_DATA_DIR=${dir}\0`
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(marker) && procStat(pid)?.state !== 'Z'
      } catch {
        // Gone meanwhile, or not ours to read.
        return false
      }
    })
}

/** Some fields of /proc/PID/stat. */
export interface ProcStat {
  readonly pgrp: number
  readonly ppid: number
  readonly session: number
  /** R, S, D, Z, T... */
  readonly state: string
  readonly ttyNr: number
}

/** Fields of /proc/PID/stat: state, ppid, pgrp, session, ttyNr (undefined when the process is gone). */
export function procStat(pid: number): ProcStat | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    // No such process.
    return undefined
  }

  const [state, ppid, pgrp, session, ttyNr] = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return {pgrp: Number(pgrp), ppid: Number(ppid), session: Number(session), state, ttyNr: Number(ttyNr)}
}

/** The arguments of a live process. */
export function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
}

/** The pid in a pid file. */
export function readPid(file: string): number {
  return Number(readFileSync(file, 'utf8').trim())
}

/** How long {@link pollUntil} waits, how often, and what it says when it gives up. */
export interface PollOptions {
  timeoutMs?: number
  what?: string
  everyMs?: number
}

/**
 * Polls `probe` (async allowed) until it returns something truthy, for states no event announces
 * (another process's status); rejects with `what` after `timeoutMs`.
 */
export async function pollUntil<T>(probe: () => Promise<T> | T, {timeoutMs = 20_000, what = 'condition', everyMs = 20}: PollOptions = {}): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}
