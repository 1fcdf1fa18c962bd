/**
 * System (c): PM2 in cluster mode, from the devDependency, with PM2_HOME in
 * a temp dir. Never touches the network: the first-run version check is
 * skipped by pre-creating PM2_HOME/touch, the daily one by
 * PM2_DISABLE_VERSION_CHECK; no keymetrics keys are set.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {FileFollower, LineLog} from '../line-log.js'
import {childPids, hasExited, readStatFields, waitAllExited} from '../proc.js'
import {isPm2Daemon, killGroup} from '../reaper.js'
import {spawnMaster} from '../spawn-master.js'

const APP = fileURLToPath(new URL('../../fixtures/noop-app.js', import.meta.url))
const PM2_BIN = join(createRequire(import.meta.url).resolve('pm2/package.json'), '..', 'bin', 'pm2')
const APP_NAME = 'noop'

/** PM2 cluster mode; the "master" is PM2's God daemon. */
export class Pm2Cluster {
  key = 'pm2'
  label = 'PM2 cluster'
  masterLabel = 'God daemon'
  readyMethod = '`pm2 start noop-app.js -i N --wait-ready` from a cold start (no daemon running) until it prints "Done." (every instance sent process.send(\'ready\'))'
  crashMethod = 'the God daemon\'s "App [noop:ID] exited ... via signal [SIGKILL]" line in PM2_HOME/pm2.log, followed with inotify (fs.watch)'
  stopMethod = 'SIGTERM to the God daemon (what `pm2 kill` ends in); until it and every instance have exited, polled in /proc every 1 ms'

  constructor({env, reaper, timeoutMs}) {
    this.reaper = reaper
    this.timeoutMs = timeoutMs
    this.baseEnv = env
  }

  async setup() {
    this.home = mkdtempSync(join(tmpdir(), 'decnet-bench-pm2-'))
    this.reaper.trackDir(this.home)
    // the 'touch' file marks PM2 as already installed: no banner, no version check
    writeFileSync(join(this.home, 'touch'), String(Date.now()))
    this.env = {...this.baseEnv, NO_COLOR: '1', PM2_DISABLE_VERSION_CHECK: 'true', PM2_HOME: this.home}
    this.pidFile = join(this.home, 'pm2.pid')
    this.reaper.trackEnvMarker(`PM2_HOME=${this.home}`, 'PM2 process')
  }

  async teardown() {
    await this.#killDaemon()
  }

  /** Cold start: no daemon; `pm2 start` spawns it, then the instances. */
  async start(size) {
    await this.#killDaemon()
    const cli = this.#cli(['start', APP, '-i', String(size), '--wait-ready', '--name', APP_NAME])
    const done = await cli.out.waitFor(/\[PM2\] Done\.$/, {timeoutMs: this.timeoutMs, what: '[PM2] Done.'})
    await this.#finish(cli)
    return this.#fleet(size, done.t - cli.t0)
  }

  /** Warm start: the daemon already runs; time `pm2 start` alone (then `pm2 delete`). */
  async warmStart(size) {
    const cli = this.#cli(['start', APP, '-i', String(size), '--wait-ready', '--name', APP_NAME])
    const done = await cli.out.waitFor(/\[PM2\] Done\.$/, {timeoutMs: this.timeoutMs, what: '[PM2] Done.'})
    await this.#finish(cli)
    await this.#finish(this.#cli(['delete', APP_NAME]))
    return done.t - cli.t0
  }

  /** Makes sure a daemon runs with no app (for {@link warmStart}). */
  async ensureDaemon() {
    await this.#finish(this.#cli(['ping']))
  }

  /** SIGKILLs one instance; ms until pm2.log says it exited; waits until it is back online. */
  async crash(fleet, pid) {
    const log = new LineLog()
    const follower = new FileFollower(join(this.home, 'pm2.log'), log)
    try {
      const t = performance.now()
      process.kill(pid, 'SIGKILL')
      const seen = await log.waitFor(/App \[noop:(\d+)\] exited with code \[\d+\] via signal \[SIGKILL\]/, {timeoutMs: this.timeoutMs, what: 'exit in pm2.log'})
      await log.waitFor(new RegExp(`App \\[noop:${seen.match[1]}\\] online`), {since: seen.index, timeoutMs: this.timeoutMs, what: 'back online'})
      fleet.childPids = childPids(fleet.masterPid)
      return seen.t - t
    } finally {
      follower.close()
    }
  }

  /** SIGTERM to the God daemon; ms until it and every instance are gone. */
  async stop(fleet) {
    const pids = [fleet.masterPid, ...fleet.childPids]
    const t = performance.now()
    process.kill(fleet.masterPid, 'SIGTERM')
    const end = await waitAllExited(pids, {timeoutMs: this.timeoutMs})
    this.reaper.untrackGroup(fleet.masterPid)
    return {code: null, lingering: 0, ms: end - t, signal: null}
  }

  /** Unmeasured teardown of a fleet. */
  async kill() {
    await this.#killDaemon()
  }

  #fleet(size, readyMs) {
    const masterPid = Number(readFileSync(this.pidFile, 'utf8').trim())
    const pgid = Number(readStatFields(masterPid)[2])
    if (pgid !== masterPid) throw new Error(`pm2 daemon ${masterPid} is not a process group leader (pgid ${pgid})`)
    this.reaper.trackGroup(masterPid, 'PM2 God daemon')
    const pids = childPids(masterPid)
    if (pids.length !== size) throw new Error(`pm2 daemon has ${pids.length} children, expected ${size}`)
    return {childPids: pids, masterPid, readyMs}
  }

  #cli(args) {
    return spawnMaster(process.execPath, [PM2_BIN, ...args], {env: this.env, label: `pm2 ${args[0]}`, reaper: this.reaper})
  }

  async #finish(cli) {
    const exit = await cli.exited
    this.reaper.untrackGroup(cli.pid)
    if (exit.code !== 0) throw new Error(`pm2 exited with code ${exit.code}:\n${cli.err.tail(8)}\n${cli.out.tail(8)}`)
  }

  async #killDaemon() {
    let pid
    try {
      pid = Number(readFileSync(this.pidFile, 'utf8').trim())
    } catch (error) {
      if (error.code === 'ENOENT') return
      throw error
    }
    if (!hasExited(pid) && isPm2Daemon(pid)) {
      const pids = [pid, ...childPids(pid)]
      killGroup(pid)
      await waitAllExited(pids, {intervalMs: 5, timeoutMs: this.timeoutMs})
    }
    this.reaper.untrackGroup(pid)
    // a SIGKILLed daemon leaves its pid file behind; a later pid could reuse the number
    rmSync(this.pidFile, {force: true})
  }
}
