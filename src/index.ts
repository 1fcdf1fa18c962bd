/**
 * decnet's public API, for plugin authors and for programs that embed the
 * registry or the supervisor. A plugin usually needs the types only:
 *
 * @example
 * ```ts
 * import type {FleetDefinition, FleetsHook, WorkerContext} from 'decnet'
 * ```
 */
export {ExitCode} from './exit-codes.js'
export type {ExitCodeValue} from './exit-codes.js'
export {BUILTIN_FLEETS} from './fleets/builtins.js'
export {UnknownFleetError, UnusableFleetError} from './fleets/errors.js'
export {FLEETS_HOOK} from './fleets/fleets-hook.js'
export type {FleetsHook} from './fleets/fleets-hook.js'
export {describeProblem} from './fleets/format-catalog.js'
export {DEFAULT_HOOK_TIMEOUT_MS, findFleet, loadFleetCatalog, RESERVED_FLEET_NAMES} from './fleets/registry.js'
export type {LoadFleetCatalogOptions} from './fleets/registry.js'
export {PRIVILEGE_PROFILES} from './fleets/types.js'
export type {
  FleetCatalog,
  FleetDefinition,
  JsonObject,
  JsonValue,
  PluginProblem,
  PrivilegeProfile,
  ResolvedFleet,
  ResolvedWorker,
  RestartPolicy,
  WorkerSpec,
} from './fleets/types.js'
export {capabilityNames, exceedsProfile, readCredentials} from './prefork/credentials.js'
export type {Credentials} from './prefork/credentials.js'
export {planPrivileges, PrivilegeError} from './prefork/privilege-plan.js'
export type {PrivilegePlan, PrivilegeRequest} from './prefork/privilege-plan.js'
export type {FleetStatus, LastExitStatus, MasterStatus, ProcessMemory, WorkerState, WorkerStatus} from './prefork/fleet-status.js'
export type {FleetOutcome, SupervisorOptions} from './prefork/options.js'
export {Supervisor} from './prefork/supervisor.js'
export type {WorkerContext, WorkerDatabase, WorkerFunction} from './prefork/worker.js'
