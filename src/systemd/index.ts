/**
 * systemd units for fleets: `decnet fleet unit NAME` prints one that grants
 * the fleet's privilege profile and nothing more.
 *
 * @example
 * ```ts
 * import {buildFleetUnit, resolveUnitAccount} from './systemd/index.js'
 * const unit = buildFleetUnit({fleet, graceMs: 15_000, account: resolveUnitAccount('decnet', fleet), runtime})
 * ```
 */
export {FleetUnitError} from './fleet-unit-error.js'
export {databaseSetting} from './database-setting.js'
export type {DatabaseContext, DatabaseSetting} from './database-setting.js'
export {buildFleetUnit, NO_RESTART_EXITS, RESTART_DELAY_SECONDS, STOP_MARGIN_SECONDS} from './fleet-unit.js'
export type {FleetUnit, FleetUnitInput, GeoDatabasePaths, SandboxPath, UnitAccount, UnitRuntime} from './fleet-unit.js'
export {documentationUris, localFleet, localRuntime, missingGroups} from './local-runtime.js'
export {PROFILE_SANDBOX} from './profile-sandbox.js'
export type {ProfileSandbox} from './profile-sandbox.js'
export {sandboxMounts} from './sandbox-paths.js'
export type {SandboxMounts, SandboxNeeds} from './sandbox-paths.js'
export {resolveUnitAccount} from './unit-account.js'
export {environmentFile, unitBaseName} from './unit-names.js'
export {CA_CREDENTIAL, SECRET_CREDENTIAL, webhookUnitPart} from './webhook-unit.js'
export type {UnitWebhook, WebhookUnitPart} from './webhook-unit.js'
export type {AccountLookups} from './unit-account.js'
