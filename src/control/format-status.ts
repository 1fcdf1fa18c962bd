/**
 * `decnet fleet status` for people: one header line per fleet, one table row
 * per worker, then one row per source the workers reported (`ctx.report`).
 */
import {escapeControl} from '../ingest/escape-control.js'
import type {FleetStatus, ProcessMemory, WorkerStatus} from '../prefork/fleet-status.js'
import type {SourceReport} from '../prefork/source-report.js'
import type {ExitCause} from '../prefork/worker-exit.js'

const HEADERS = ['WORKER', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'NEXT RESTART', 'RSS', 'USS', 'DETAIL']

/** Why a worker last exited, in a few words (`--json` has the `ExitCause` itself). */
const CAUSES: Readonly<Record<ExitCause, string>> = Object.freeze({
  'boot-failed': 'could not boot',
  crashed: 'crashed',
  exited: 'returned',
  hung: 'hung, killed by the watchdog',
  'killed-after-grace': 'killed after the grace period',
  'killed-on-demand': 'killed on a second stop',
  'memory-limit': 'memory limit',
  privilege: 'killed: too much privilege',
  signaled: 'killed, not by decnet',
  stopped: 'stopped',
})

/** A duration the way an operator reads it: `850 ms`, `12.3 s`, `4m 05s`, `3h 07m`, `2d 05h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.floor(ms / 1000)
  const pad = (n: number) => String(n).padStart(2, '0')
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${pad(Math.floor(seconds / 60) % 60)}m`
  return `${Math.floor(seconds / 86_400)}d ${pad(Math.floor(seconds / 3600) % 24)}h`
}

/** Bytes in MiB, one decimal. */
export function formatBytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/**
 * One fleet: a header (state, master pid, uptime, memory) and a table of its workers.
 *
 * @example
 * ```
 * fleet sample: 1 of 2 workers ready · master pid 14631 · up 2m 03s · rss 62.3 MiB · uss 18.6 MiB
 *   WORKER  STATE        PID    UPTIME  RESTARTS  LAST EXIT                                    NEXT RESTART  RSS       USS      DETAIL
 *   alpha   ready        14678  2m 03s  0         -                                            -             44.4 MiB  8.1 MiB  active (lease until 14:05:10Z)
 *   beta    backing off  -      -       1         SIGKILL (killed, not by decnet) 800 ms ago  in 1.2 s      -         -        -
 * ```
 */
export function formatStatus(status: FleetStatus, now = Date.now()): string {
  const ready = status.workers.filter((worker) => worker.state === 'ready').length
  const state = status.stopping ? 'stopping' : status.ready ? 'ready' : `${ready} of ${status.workers.length} workers ready`
  const {master} = status
  const header = [`fleet ${status.fleet}: ${state}`, `master pid ${master.pid}`, `up ${formatDuration(master.uptimeMs)}`, ...memory(master.memory)]
  const rows = status.workers.map((worker) => workerRow(worker, now))
  const sources = status.workers.flatMap((worker) => (worker.sources ?? []).map((source) => sourceRow(worker.name, source, now)))
  const text = `${header.join(' · ')}\n${table([HEADERS, ...rows])}`
  return sources.length === 0 ? text : `${text}\n${table([SOURCE_HEADERS, ...sources])}`
}

const SOURCE_HEADERS = ['SOURCE', 'WORKER', 'ACCEPTED', 'REJECTED', 'LAG', 'CONNECTIONS', 'LAST ERROR']

/** A source a worker reported: its counts, its lag (bytes behind for a file, lines queued for a listener), its last error. */
function sourceRow(worker: string, source: SourceReport, now: number): string[] {
  const lag = source.kind === 'file' ? (source.lagBytes === null ? '-' : `${source.lagBytes} B`) : source.queued === null ? '-' : `${source.queued} queued`
  const when = source.lastErrorAt === null ? '' : ` (${formatDuration(Math.max(0, now - Date.parse(source.lastErrorAt)))} ago)`
  return [
    escapeControl(source.source),
    worker,
    String(source.accepted),
    String(source.rejected),
    lag,
    source.connections === null ? '-' : String(source.connections),
    source.lastError === null ? '-' : `${escapeControl(source.lastError)}${when}`,
  ]
}

function workerRow(worker: WorkerStatus, now: number): string[] {
  const {lastExit} = worker
  const exit = lastExit
    ? `${lastExit.signal ?? `code ${lastExit.code}`} (${lastExit.reason ?? CAUSES[lastExit.cause]}) ${formatDuration(now - Date.parse(lastExit.at))} ago`
    : '-'
  return [
    worker.name,
    worker.state.replace('-', ' '),
    worker.pid === null ? '-' : String(worker.pid),
    worker.uptimeMs === null ? '-' : formatDuration(worker.uptimeMs),
    String(worker.restarts),
    exit,
    worker.nextRestartInMs === null ? '-' : `in ${formatDuration(worker.nextRestartInMs)}`,
    worker.memory ? formatBytes(worker.memory.rssBytes) : '-',
    worker.memory ? formatBytes(worker.memory.ussBytes) : '-',
    worker.detail ?? '-',
  ]
}

function memory(value: null | ProcessMemory | undefined): string[] {
  return value ? [`rss ${formatBytes(value.rssBytes)}`, `uss ${formatBytes(value.ussBytes)}`] : []
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()}`).join('\n')
}
