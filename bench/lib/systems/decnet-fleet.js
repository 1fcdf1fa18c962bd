/**
 * System (a): `decnet fleet bench-noop-N`, with the no-op fleets contributed
 * by the bench-only plugin bench/fixtures/noop-plugin, linked through a
 * temporary DECNET_DATA_DIR (the user package.json oclif reads for linked
 * plugins). The fleets have the `database` profile, like the real `heavy`
 * fleet, so as root they run the realistic way: `--user nobody`.
 */
import {execFileSync} from 'node:child_process'
import {chmodSync, chownSync, mkdtempSync, mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {hasExited, waitAllExited} from '../proc.js'
import {killGroup} from '../reaper.js'
import {spawnMaster} from '../spawn-master.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const RUN = join(ROOT, 'bin', 'run.js')
const PLUGIN_ROOT = fileURLToPath(new URL('../../fixtures/noop-plugin', import.meta.url))
const WORKER_READY = /^\[decnet\] worker (\S+) ready \(pid (\d+)\)/

/** The supervisor's line about a worker's exit: `[decnet] worker NAME (pid P) killed by SIGKILL, ...`. */
function exitLine(pid) {
  return new RegExp(String.raw`^\[decnet\] (?!.*\bready \(pid).*\bpid ${pid}\b`)
}

/** `decnet fleet NAME` as a child of the harness. */
export class DecnetFleet {
  key = 'decnet'
  label = 'decnet'
  masterLabel = 'decnet master'
  crashMethod = 'the master\'s `[decnet] worker NAME (pid P) killed by SIGKILL ...` line (error level, so on its stderr; arrival time at the harness)'
  stopMethod = 'SIGTERM to the master; until it and every child have exited'

  constructor({env, reaper, timeoutMs, user = 'nobody'}) {
    this.baseEnv = env
    this.reaper = reaper
    this.timeoutMs = timeoutMs
    this.user = user
  }

  async setup() {
    const dir = mkdtempSync(join(tmpdir(), 'decnet-bench-data-'))
    this.reaper.trackDir(dir)
    const dataDir = join(dir, 'data')
    mkdirSync(dataDir)
    const pjson = {name: 'decnet-bench-data', oclif: {plugins: [{name: 'decnet-bench-noop', root: PLUGIN_ROOT, type: 'link'}], schema: 1}, private: true}
    writeFileSync(join(dataDir, 'package.json'), JSON.stringify(pjson, null, 2))
    // the command checks that the workers' user can write the SQLite database's
    // directory (the no-op workers never open it): give them one, as an operator would
    const dbDir = join(dir, 'db')
    mkdirSync(dbDir)
    if (this.user) {
      chmodSync(dir, 0o755)
      const id = (flag) => Number(execFileSync('id', [flag, this.user], {encoding: 'utf8'}).trim())
      chownSync(dbDir, id('-u'), id('-g'))
    }
    this.env = {
      ...this.baseEnv,
      DECNET_CACHE_DIR: join(dir, 'cache'),
      DECNET_CONFIG_DIR: join(dir, 'config'),
      DECNET_DATA_DIR: dataDir,
      DECNET_DB_URL: `sqlite:${join(dbDir, 'decnet.sqlite')}`,
      // a linked ESM plugin makes oclif warn on every run that it will not transpile it
      OCLIF_DISABLE_LINKED_ESM_WARNING: '1',
    }
    // without a user to drop to, a database-profile fleet runs as root only with --allow-root
    this.args = (size) => [RUN, 'fleet', `bench-noop-${size}`, ...(this.user ? ['--user', this.user] : ['--allow-root'])]
  }

  async teardown() {}

  /** Starts the fleet; resolves when the master printed `fleet ... ready`. */
  async start(size) {
    const master = spawnMaster(process.execPath, this.args(size), {env: this.env, label: this.label, reaper: this.reaper})
    const ready = await master.all.waitFor(/^\[decnet\] fleet \S+ ready \(\d+ workers?\)/, {timeoutMs: this.timeoutMs, what: 'fleet ready'})
    const pids = master.all.lines.slice(0, ready.index).map((line) => WORKER_READY.exec(line.text)).filter(Boolean).map((match) => Number(match[2]))
    return {childPids: pids, master, masterPid: master.pid, readyMs: ready.t - master.t0}
  }

  /** SIGKILLs one child; ms until the master printed its exit; waits for the replacement. */
  async crash(fleet, pid) {
    const since = fleet.master.all.mark()
    const t = performance.now()
    process.kill(pid, 'SIGKILL')
    const seen = await fleet.master.all.waitFor(exitLine(pid), {since, timeoutMs: this.timeoutMs, what: `exit line for pid ${pid}`})
    const replacement = await fleet.master.all.waitFor(WORKER_READY, {since: seen.index, timeoutMs: this.timeoutMs, what: 'replacement ready'})
    fleet.childPids = fleet.childPids.map((p) => (p === pid ? Number(replacement.match[2]) : p))
    fleet.exitLine = seen.text
    return seen.t - t
  }

  /** SIGTERM to the master; ms until it and all its children have exited. */
  async stop(fleet) {
    const children = [...fleet.childPids]
    const t = performance.now()
    process.kill(fleet.masterPid, 'SIGTERM')
    const exit = await fleet.master.exited
    const lingering = children.filter((pid) => !hasExited(pid))
    const end = lingering.length === 0 ? exit.t : await waitAllExited(lingering, {timeoutMs: this.timeoutMs})
    this.reaper.untrackGroup(fleet.masterPid)
    return {code: exit.code, lingering: lingering.length, ms: end - t, signal: exit.signal}
  }

  /** Unmeasured teardown of a fleet (SIGKILL the whole group). */
  async kill(fleet) {
    killGroup(fleet.masterPid)
    await fleet.master.exited
    this.reaper.untrackGroup(fleet.masterPid)
  }
}
