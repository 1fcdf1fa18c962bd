/**
 * The machine the figures were measured on, for the report header.
 */
import {readFileSync} from 'node:fs'
import {availableParallelism, release} from 'node:os'

/** nproc, CPU model, memory, node version, kernel, and whether we are root. */
export function describeMachine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const meminfo = readFileSync('/proc/meminfo', 'utf8')
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown'
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? Number.NaN)
  return {
    cpuModel: model,
    kernel: release(),
    memoryGiB: memKb / 1024 / 1024,
    node: process.version,
    nproc: availableParallelism(),
    root: process.getuid?.() === 0,
  }
}

/** The 1, 5 and 15 minute load averages, as text. */
export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
}

/** Machine-wide CPU jiffies from /proc/stat: `{idle, total}` (idle includes iowait). */
export function cpuTimes() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)
  const values = fields.map(Number)
  // idle + iowait are not busy
  const idle = values[3] + (values[4] ?? 0)
  return {idle, total: values.reduce((a, b) => a + b, 0)}
}

/** How busy the whole machine is (0..1, all CPUs) over the next `ms`, from /proc/stat. */
export async function machineBusy(ms = 1000) {
  const before = cpuTimes()
  await new Promise((resolve) => setTimeout(resolve, ms))
  return busyBetween(before, cpuTimes())
}

/** The busy fraction (0..1, all CPUs) between two {@link cpuTimes} readings. */
export function busyBetween(before, after) {
  const total = after.total - before.total
  return total > 0 ? 1 - (after.idle - before.idle) / total : 0
}

/** The header lines (markdown). */
export function machineHeader(machine) {
  return [
    `- machine: ${machine.nproc} CPU (nproc), ${machine.cpuModel}, ${machine.memoryGiB.toFixed(1)} GiB RAM`,
    `- software: node ${machine.node}, Linux ${machine.kernel}; running as ${machine.root ? 'root' : `uid ${process.getuid()}`}`,
  ]
}
