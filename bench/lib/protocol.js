/**
 * The measurement protocol, the same for every system:
 *
 * 1. cycles: start the fleet (time to "all ready"), let it idle for
 *    `pauseMs`, SIGTERM the master (time until master and children exited);
 *    `runs` times, interleaved across systems by the caller;
 * 2. one steady run: start, let it settle `settleMs`, measure the master's
 *    and the children's CPU over `idleMs`, then read /proc/PID/smaps_rollup
 *    of the master and of each child (and again after `soakMs` more, if
 *    asked, to see memory that creeps); then `crashes` times: SIGKILL one
 *    child (round robin), time until the master records the exit, and wait
 *    until the replacement is ready before the next kill.
 */
import {setTimeout as delay} from 'node:timers/promises'

import {busyBetween, cpuTimes} from './machine.js'
import {childPids, processUid, readCpuTicks, readMemory} from './proc.js'

/** One start → ready → idle → SIGTERM → exited cycle. */
export async function cycle(system, size, {pauseMs}) {
  const fleet = await system.start(size)
  if (fleet.childPids.length !== size) throw new Error(`${system.label}: ${fleet.childPids.length} children ready, expected ${size}`)
  await delay(pauseMs)
  const stop = await system.stop(fleet)
  return {readyMs: fleet.readyMs, stop}
}

/** The steady run: idle CPU, memory, crash detection. */
export async function steadyRun(system, size, {clockTicks, crashes, idleMs, settleMs, soakMs = 0}) {
  const fleet = await system.start(size)
  try {
    await delay(settleMs)
    const children = [...fleet.childPids]
    const live = childPids(fleet.masterPid)
    const missing = children.filter((pid) => !live.includes(pid))
    if (missing.length > 0) throw new Error(`${system.label}: children ${missing.join(', ')} are not the master's children`)

    const masterBefore = readCpuTicks(fleet.masterPid)
    const childrenBefore = children.map((pid) => readCpuTicks(pid))
    const machineBefore = cpuTimes()
    const t0 = performance.now()
    await delay(idleMs)
    const windowMs = performance.now() - t0
    // our fleet idles now: what keeps the machine busy is other work, which skews every timing
    const otherBusy = busyBetween(machineBefore, cpuTimes())
    const masterTicks = readCpuTicks(fleet.masterPid) - masterBefore
    const childTicks = children.map((pid, i) => readCpuTicks(pid) - childrenBefore[i]).reduce((a, b) => a + b, 0)
    const toMs = (ticks) => (ticks * 1000) / clockTicks

    const master = readMemory(fleet.masterPid)
    const perChild = children.map((pid) => readMemory(pid))
    const uids = [...new Set(children.map((pid) => processUid(pid)))]
    let soak
    if (soakMs > 0) {
      await delay(soakMs)
      soak = {children: children.map((pid) => readMemory(pid)), master: readMemory(fleet.masterPid), afterMs: settleMs + idleMs + soakMs}
    }

    const crashMs = []
    for (let i = 0; i < crashes; i++) {
      crashMs.push(await system.crash(fleet, fleet.childPids[i % fleet.childPids.length]))
    }

    return {
      childUids: uids,
      cpu: {childrenMs: toMs(childTicks), masterMs: toMs(masterTicks), otherBusy, windowMs},
      crashMs,
      memory: {afterMs: settleMs + idleMs, children: perChild, master, soak},
    }
  } finally {
    await system.kill(fleet)
  }
}
