/**
 * System (b): a bare node:cluster primary (bench/fixtures/bare-primary.js),
 * the baseline every ratio is against.
 */
import {fileURLToPath} from 'node:url'

import {hasExited, waitAllExited} from '../proc.js'
import {killGroup} from '../reaper.js'
import {spawnMaster} from '../spawn-master.js'

const PRIMARY = fileURLToPath(new URL('../../fixtures/bare-primary.js', import.meta.url))

/** The bare node:cluster baseline. */
export class BareCluster {
  key = 'bare'
  label = 'bare node:cluster'
  masterLabel = 'cluster primary'
  crashMethod = "primary's cluster 'exit' event, printed on its stdout"
  stopMethod = 'SIGTERM to the primary; until it and every worker have exited'

  constructor({env, reaper, timeoutMs}) {
    this.env = env
    this.reaper = reaper
    this.timeoutMs = timeoutMs
  }

  async setup() {}

  async teardown() {}

  /** Starts N workers; resolves when the primary printed `fleet ready`. */
  async start(size) {
    const master = spawnMaster(process.execPath, [PRIMARY, String(size)], {env: this.env, label: this.label, reaper: this.reaper})
    const ready = await master.out.waitFor(/^fleet ready \d+$/, {timeoutMs: this.timeoutMs, what: 'fleet ready'})
    const pids = master.out.lines.slice(0, ready.index).map((line) => /^worker ready pid (\d+)$/.exec(line.text)).filter(Boolean).map((match) => Number(match[1]))
    return {childPids: pids, master, masterPid: master.pid, readyMs: ready.t - master.t0}
  }

  /** SIGKILLs one worker; ms until the primary printed its exit; waits for the replacement. */
  async crash(fleet, pid) {
    const since = fleet.master.out.mark()
    const t = performance.now()
    process.kill(pid, 'SIGKILL')
    const seen = await fleet.master.out.waitFor(new RegExp(`^worker exited pid ${pid} `), {since, timeoutMs: this.timeoutMs, what: `exit of ${pid}`})
    const replacement = await fleet.master.out.waitFor(/^worker ready pid (\d+)$/, {since, timeoutMs: this.timeoutMs, what: 'replacement ready'})
    fleet.childPids = fleet.childPids.map((p) => (p === pid ? Number(replacement.match[1]) : p))
    return seen.t - t
  }

  /** SIGTERM to the primary; ms until it and all its workers have exited. */
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
