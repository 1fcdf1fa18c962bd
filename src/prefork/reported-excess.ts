import type {PrivilegeProfile} from '../fleets/types.js'
import type {ReadyMessage} from './messages.js'

import {exceedsProfile, hardeningShortfall, type HardeningExpectation} from './credentials.js'
import {fromWireCredentials} from './messages.js'

/**
 * What a child's `ready` message says it holds beyond `profile`, or without
 * the hardening it was started with (`expected`): null when nothing, else
 * why. A malformed report counts as too much (a child is not trusted blindly).
 */
export function reportedExcess(message: ReadyMessage, profile: PrivilegeProfile, expected: HardeningExpectation = {noNewPrivs: false}): null | string {
  try {
    const creds = fromWireCredentials(message.credentials)
    const excess = exceedsProfile(creds, profile)
    const missing = hardeningShortfall(creds, expected)
    if (missing === null) return excess
    const lacks = `lacks the hardening decnet started it with: ${missing}`
    return excess === null ? lacks : `${lacks}; ${excess}`
  } catch (error) {
    return (error as Error).message
  }
}
