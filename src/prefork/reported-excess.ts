import type {PrivilegeProfile} from '../fleets/types.js'
import type {ReadyMessage} from './messages.js'

import {exceedsProfile} from './credentials.js'
import {fromWireCredentials} from './messages.js'

/**
 * What a child's `ready` message says it holds beyond `profile`: null when
 * nothing, else why. A malformed report counts as too much (a child is not
 * trusted blindly).
 */
export function reportedExcess(message: ReadyMessage, profile: PrivilegeProfile): null | string {
  try {
    return exceedsProfile(fromWireCredentials(message.credentials), profile)
  } catch (error) {
    return (error as Error).message
  }
}
