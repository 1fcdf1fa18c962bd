/**
 * A read-only picture of a running fleet, assembled from the supervisor's
 * slots: what `decnet fleet status` shows. Plain JSON data (times as ISO
 * strings and milliseconds), so it crosses the control socket as is.
 */
import type {PrivilegeProfile} from '../fleets/types.js'
import type {Slot} from './slot.js'
import type {SourceReport} from './source-report.js'
import type {ExitCause} from './worker-exit.js'

/**
 * Where a worker is in its life:
 * - `starting`: its process runs, its worker has not called `ready()` yet;
 * - `ready`: it called `ready()`;
 * - `hung`: the watchdog found it silent and killed it; its exit is on the way;
 * - `stopping`: asked to stop (SIGTERM), not gone yet;
 * - `backing-off`: it exited and waits for its restart (see `nextRestartAt`);
 * - `stopped`: no process and no restart due (stopped, or ended under its restart policy).
 */
export type WorkerState = 'backing-off' | 'hung' | 'ready' | 'starting' | 'stopped' | 'stopping'

/** A worker's last exit, as the status shows it. */
export interface LastExitStatus {
  readonly pid: number
  readonly code: number | null
  readonly signal: string | null
  /** Why it ended (crashed, hung, killed-after-grace, ...): see `ExitCause`. */
  readonly cause: ExitCause
  /** When it was reaped. */
  readonly at: string
  /** How long that process had run. */
  readonly uptimeMs: number
  readonly bootError?: string
  /** Why the supervisor ended it to restart it: `memory limit: RSS 812 MB > 512 MB`. */
  readonly reason?: string
}

/** Resident memory of one process, from /proc/PID/smaps_rollup (filled in by the control server). */
export interface ProcessMemory {
  /** Resident set size. */
  readonly rssBytes: number
  /** Unique set size: private pages only, what killing the process would free. */
  readonly ussBytes: number
  /** Proportional set size: private pages plus a share of the shared ones. */
  readonly pssBytes: number
}

/** One worker right now. */
export interface WorkerStatus {
  readonly name: string
  readonly state: WorkerState
  /** The current process, if any. */
  readonly pid: number | null
  /** When the current process was forked. */
  readonly startedAt: string | null
  readonly uptimeMs: number | null
  /** How many times it was restarted since the fleet started. */
  readonly restarts: number
  readonly lastExit: LastExitStatus | null
  /** When backing off: when it will be restarted. */
  readonly nextRestartAt: string | null
  readonly nextRestartInMs: number | null
  /** What the current process last said it is doing (`ctx.status`), e.g. `standby (held by host-b:4242)`; null when nothing. */
  readonly detail: string | null
  /** What the current process last reported on each source it reads (`ctx.report`); null when it reported nothing. */
  readonly sources: readonly SourceReport[] | null
  /** Absent in a bare snapshot; null when it could not be read (no process, or it vanished). */
  memory?: null | ProcessMemory
}

/** The master process. */
export interface MasterStatus {
  readonly pid: number
  readonly startedAt: string
  readonly uptimeMs: number
  memory?: null | ProcessMemory
}

/** A whole fleet right now: what {@link Supervisor.snapshot} returns. */
export interface FleetStatus {
  readonly fleet: string
  readonly profile: PrivilegeProfile
  readonly master: MasterStatus
  /** Every worker is ready at this moment. */
  readonly ready: boolean
  /** The fleet is shutting down. */
  readonly stopping: boolean
  /** The grace period workers get when the fleet stops. */
  readonly graceMs: number
  readonly workers: WorkerStatus[]
}

/** What {@link fleetStatus} reads from a supervisor. */
export interface StatusSource {
  readonly fleet: {readonly name: string; readonly profile: PrivilegeProfile}
  readonly graceMs: number
  readonly slots: readonly Slot[]
  /** `Date.now()` when the fleet started. */
  readonly startedAt: number
  readonly stopping: boolean
}

/** Assembles a {@link FleetStatus}; `now` (epoch ms) and `perfNow` (`performance.now()`) are taken once. */
export function fleetStatus(source: StatusSource, now = Date.now(), perfNow = performance.now()): FleetStatus {
  const workers = source.slots.map((slot) => workerStatus(slot, source.stopping, now, perfNow))
  return {
    fleet: source.fleet.name,
    graceMs: source.graceMs,
    master: {pid: process.pid, startedAt: iso(source.startedAt), uptimeMs: Math.max(0, now - source.startedAt)},
    profile: source.fleet.profile,
    ready: workers.every((worker) => worker.state === 'ready'),
    stopping: source.stopping,
    workers,
  }
}

function workerStatus(slot: Slot, stopping: boolean, now: number, perfNow: number): WorkerStatus {
  const {child, lastExit, lastExitAt, restartAt, restartTimer} = slot
  const backingOff = !child && restartTimer !== undefined && restartAt !== undefined
  const uptimeMs = child ? Math.max(0, Math.round(perfNow - child.startedAt)) : null
  return {
    detail: child?.statusText ?? null,
    lastExit: lastExit
      ? {
          at: iso(lastExitAt ?? now),
          ...(lastExit.bootError === undefined ? {} : {bootError: lastExit.bootError}),
          cause: lastExit.cause,
          code: lastExit.code,
          pid: lastExit.pid,
          ...(lastExit.reason === undefined ? {} : {reason: lastExit.reason}),
          signal: lastExit.signal,
          uptimeMs: lastExit.uptimeMs,
        }
      : null,
    name: slot.worker.name,
    nextRestartAt: backingOff ? iso(restartAt) : null,
    nextRestartInMs: backingOff ? Math.max(0, restartAt - now) : null,
    pid: child && child.pid !== 0 ? child.pid : null,
    restarts: slot.restarts,
    sources: child?.sources ?? null,
    startedAt: uptimeMs === null ? null : iso(now - uptimeMs),
    state: child ? liveState(child, stopping) : backingOff ? 'backing-off' : 'stopped',
    uptimeMs,
  }
}

function liveState(child: NonNullable<Slot['child']>, stopping: boolean): WorkerState {
  if (child.killCause === 'hung') return 'hung'
  if (stopping || child.asked || child.killCause !== undefined) return 'stopping'
  return child.ready ? 'ready' : 'starting'
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString()
}
