/**
 * Cleans up everything the benchmark starts, even when it fails: every
 * master is spawned in its own process group (or, for PM2's daemon, is the
 * leader of one), and at the end each tracked group gets SIGKILL. Temporary
 * directories are removed too. All of it is synchronous so it also runs
 * from an 'exit' handler.
 */
import {readFileSync, readdirSync, rmSync} from 'node:fs'

/** SIGKILL a process group; true if it still existed. */
export function killGroup(pgid) {
  try {
    process.kill(-pgid, 'SIGKILL')
    return true
  } catch (error) {
    if (error.code === 'ESRCH') return false
    throw error
  }
}

/** True when `pid` is a PM2 God daemon (its title says so), so a stale pid file is not trusted. */
export function isPm2Daemon(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('God Daemon')
  } catch (error) {
    if (error.code === 'ENOENT') return false
    throw error
  }
}

/** Pids (other than ours) whose environment contains exactly `entry` (`NAME=value`). */
export function pidsWithEnv(entry) {
  const pids = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    let environ
    try {
      environ = readFileSync(`/proc/${name}/environ`, 'utf8')
    } catch (error) {
      // gone meanwhile, or a kernel thread
      if (error.code === 'ENOENT' || error.code === 'ESRCH' || error.code === 'EACCES') continue
      throw error
    }
    if (environ.split('\0').includes(entry)) pids.push(Number(name))
  }
  return pids
}

/** Tracks process groups and temp dirs; `reapAll()` kills and removes them. */
export class Reaper {
  #groups = new Map()
  #dirs = new Set()
  #envMarkers = new Map()
  #installed = false

  /** Remember a process group (its leader's pid) to SIGKILL at cleanup. */
  trackGroup(pgid, label) {
    if (Number.isInteger(pgid) && pgid > 1) this.#groups.set(pgid, label)
  }

  /** Forget a group that has exited on its own. */
  untrackGroup(pgid) {
    this.#groups.delete(pgid)
  }

  /**
   * Remember an environment entry (`PM2_HOME=/tmp/...`) that marks processes
   * started outside our process groups (PM2's daemon double-forks into its own
   * session): at cleanup every process whose environment holds it is killed.
   */
  trackEnvMarker(entry, label) {
    this.#envMarkers.set(entry, label)
  }

  /** Remember a temp dir to remove at cleanup. */
  trackDir(path) {
    this.#dirs.add(path)
  }

  /** SIGKILL every tracked group, remove every tracked dir; returns what it killed. */
  reapAll() {
    const killed = this.killAll()
    for (const dir of this.#dirs) rmSync(dir, {force: true, recursive: true})
    this.#dirs.clear()
    return killed
  }

  /** SIGKILL every tracked group (and pid-file daemon); returns what it killed. */
  killAll() {
    const killed = []
    for (const [pgid, label] of this.#groups) {
      try {
        if (killGroup(pgid)) killed.push(`${label} (pgid ${pgid})`)
      } catch (error) {
        process.stderr.write(`bench: could not kill group ${pgid}: ${error.message}\n`)
      }
    }
    this.#groups.clear()
    for (const [entry, label] of this.#envMarkers) {
      for (const pid of pidsWithEnv(entry)) {
        try {
          process.kill(pid, 'SIGKILL')
          killed.push(`${label} (pid ${pid})`)
        } catch (error) {
          if (error.code !== 'ESRCH') process.stderr.write(`bench: could not kill ${pid}: ${error.message}\n`)
        }
      }
    }
    return killed
  }

  /**
   * Reap on normal exit, on SIGINT/SIGTERM/SIGHUP, and on a crash of the
   * harness itself. `onSignal(signal)` decides how the process ends.
   */
  install(onSignal) {
    if (this.#installed) return
    this.#installed = true
    process.on('exit', () => {
      const killed = this.reapAll()
      if (killed.length > 0) process.stderr.write(`bench: killed leftover ${killed.join(', ')}\n`)
    })
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => onSignal(signal))
  }
}
