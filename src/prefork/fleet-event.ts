/**
 * The events on a supervisor's queue: everything that can happen to a fleet.
 * Signal handlers and child callbacks only enqueue these; one handler per
 * type decides.
 */
import type {LiveChild} from './live-child.js'
import type {ChildMessage} from './messages.js'
import type {Slot} from './slot.js'

/** One thing that happened to a fleet. */
export type FleetEvent =
  | {type: 'exit'; child: LiveChild; code: number | null; signal: NodeJS.Signals | null; error?: Error}
  | {type: 'grace-expired'}
  | {type: 'hung'; child: LiveChild; silentMs: number}
  | {type: 'memory'; child: LiveChild; reason: string}
  | {type: 'message'; child: LiveChild; message: ChildMessage}
  | {type: 'restart'; slot: Slot}
  | {type: 'stop'; reason: string}
