/**
 * The events on a supervisor's queue: everything that can happen to a fleet.
 * Signal handlers and child callbacks only enqueue these; one handler per
 * type decides.
 */
import type {ChildHandle} from './child-handle.js'
import type {ChildMessage} from './messages.js'
import type {Slot} from './slot.js'

/** One thing that happened to a fleet. */
export type FleetEvent =
  | {type: 'exit'; child: ChildHandle; code: number | null; signal: NodeJS.Signals | null; error?: Error}
  | {type: 'grace-expired'}
  | {type: 'hung'; child: ChildHandle; silentMs: number}
  | {type: 'memory'; child: ChildHandle; reason: string}
  | {type: 'message'; child: ChildHandle; message: ChildMessage}
  | {type: 'reload'; reason: string}
  | {type: 'restart'; slot: Slot}
  | {type: 'retire-expired'; child: ChildHandle}
  | {type: 'stop'; reason: string}
