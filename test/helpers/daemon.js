/**
 * Daemon fleets in tests: a private data directory with its own runtime
 * directory, /proc helpers, and cleanup of every process a test's daemons
 * started (found by the DECNET_DATA_DIR in their environment, so nothing
 * depends on pid files that a broken test may have left wrong).
 *
 * @example
 * ```js
 * const fleet = daemonSetup(t, ['decnet-plugin-sample'])
 * const {code} = await runDecnet(t, ['fleet', 'sample', '--daemon', '--user', 'nobody'], {env: fleet.env})
 * const pid = readPid(fleet.pidFile('sample'))
 * ```
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {requestStatus} from '../../dist/control/control-client.js'
import {linkedDataDir} from './decnet-cli.js'

/**
 * A data directory linking `plugins` (DECNET_RUNTIME_DIR inside it). Every
 * process whose environment points at it is SIGKILLed after the test.
 */
export function daemonSetup(t, plugins) {
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
    /** The fleet's status, straight from its socket (fast enough to poll). */
    status: (fleet) => requestStatus({fleet, socket: join(runtimeDir, `${fleet}.sock`)}),
  }
}

/** Live processes (not zombies) whose environment has DECNET_DATA_DIR=dir: masters and workers. */
export function processesOf(dir) {
  const marker = `\0DECNET_DATA_DIR=${dir}\0`
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(marker) && procStat(pid).state !== 'Z'
      } catch {
        // Gone meanwhile, or not ours to read.
        return false
      }
    })
}

/** Fields of /proc/PID/stat: state, ppid, pgrp, session, ttyNr (undefined when the process is gone). */
export function procStat(pid) {
  let text
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
export function cmdline(pid) {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
}

/** The pid in a pid file. */
export function readPid(file) {
  return Number(readFileSync(file, 'utf8').trim())
}

/**
 * Polls `probe` (async allowed) until it returns something truthy, for states no event announces
 * (another process's status); rejects with `what` after `timeoutMs`.
 */
export async function pollUntil(probe, {timeoutMs = 20_000, what = 'condition', everyMs = 20} = {}) {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

function killQuietly(pid) {
  try {
    process.kill(pid, 'SIGKILL')
  } catch (error) {
    if (error.code !== 'ESRCH') throw error
  }
}
