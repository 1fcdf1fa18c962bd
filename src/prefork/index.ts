/**
 * The prefork supervisor: runs a fleet of workers, one node:cluster child
 * process each. See {@link Supervisor}.
 */
export {Backoff, type BackoffOptions} from './backoff.js'
export type {ChildFactory, ChildHandle, ChildListener, ForkRequest, KillCause, Retirement} from './child-handle.js'
export {systemClock, type Clock, type TimerHandle, type TimerOptions} from './clock.js'
export {ChildExitCode} from './messages.js'
export {ALLOWED_ENV_NAMES, ALLOWED_ENV_PREFIXES, childEnvironment, DATABASE_ENV_NAMES, type ChildEnvironmentOptions} from './env.js'
export type {FleetStatus, LastExitStatus, MasterStatus, ProcessMemory, WorkerState, WorkerStatus} from './fleet-status.js'
export type {FleetOutcome, LogLevel, SupervisorOptions, WorkerReport} from './options.js'
export {Supervisor} from './supervisor.js'
export type {SupervisorRuntime} from './supervisor-runtime.js'
export type {WorkerContext, WorkerFunction} from './worker.js'
export type {ExitCause, WorkerExit} from './worker-exit.js'
