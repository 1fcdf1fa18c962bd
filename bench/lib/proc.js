/**
 * Reading processes from /proc: memory (smaps_rollup), CPU time (stat),
 * parent/child links, liveness. Linux only, by design: the benchmark's
 * figures are defined by what /proc reports.
 */
import {execFileSync} from 'node:child_process'
import {readFileSync, readdirSync} from 'node:fs'

/** Clock ticks per second for /proc/PID/stat utime/stime (usually 100). */
export function clockTicksPerSecond() {
  const out = execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()
  const ticks = Number(out)
  if (!Number.isInteger(ticks) || ticks <= 0) throw new Error(`getconf CLK_TCK gave ${JSON.stringify(out)}`)
  return ticks
}

/**
 * The fields of /proc/PID/stat after the command name, or null when the
 * process is gone. Index 0 is `state` (field 3 of proc(5)).
 */
export function readStatFields(pid) {
  let text
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'ESRCH') return null
    throw error
  }
  // the command name may contain spaces and parentheses: cut after the last ')'
  return text.slice(text.lastIndexOf(')') + 2).trim().split(' ')
}

/** True when the process no longer exists or is a zombie (it has exited). */
export function hasExited(pid) {
  const fields = readStatFields(pid)
  return fields === null || fields[0] === 'Z' || fields[0] === 'X'
}

/** The parent pid, or null when the process is gone. */
export function parentPid(pid) {
  const fields = readStatFields(pid)
  return fields === null ? null : Number(fields[1])
}

/**
 * Direct children of a process (this kernel has no /proc/PID/task/TID/children,
 * so every /proc/N/stat is scanned). Zombies are left out.
 */
export function childPids(pid) {
  const children = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const fields = readStatFields(entry)
    if (fields !== null && Number(fields[1]) === pid && fields[0] !== 'Z') children.push(Number(entry))
  }
  return children.sort((a, b) => a - b)
}

/** utime + stime of a process so far, in clock ticks (null when gone). */
export function readCpuTicks(pid) {
  const fields = readStatFields(pid)
  // utime and stime are fields 14 and 15 of proc(5): indexes 11 and 12 here
  return fields === null ? null : Number(fields[11]) + Number(fields[12])
}

/**
 * Memory of one process from /proc/PID/smaps_rollup, in kB:
 * `uss` = Private_Clean + Private_Dirty, `pss` = Pss, `rss` = Rss.
 */
export function readMemory(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  const field = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)
    if (!match) throw new Error(`no ${name} in /proc/${pid}/smaps_rollup`)
    return Number(match[1])
  }
  return {
    uss: field('Private_Clean') + field('Private_Dirty'),
    pss: field('Pss'),
    rss: field('Rss'),
  }
}

/** The real uid a process runs as (from /proc/PID/status), or null when gone. */
export function processUid(pid) {
  let text
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch (error) {
    if (error.code === 'ENOENT') return null
    throw error
  }
  const match = /^Uid:\s+(\d+)/m.exec(text)
  return match ? Number(match[1]) : null
}

/**
 * Resolves once every pid has exited, polling /proc every `intervalMs`
 * (for processes that are not our children, so no 'exit' event exists).
 * Resolves to the performance.now() at which the last one was seen gone.
 */
export function waitAllExited(pids, {timeoutMs, intervalMs = 1}) {
  const deadline = performance.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const check = () => {
      const now = performance.now()
      if (pids.every((pid) => hasExited(pid))) return resolve(now)
      if (now > deadline) return reject(new Error(`pids ${pids.filter((p) => !hasExited(p)).join(', ')} still alive after ${timeoutMs} ms`))
      setTimeout(check, intervalMs)
    }
    check()
  })
}
