// Supervisor slots and child handles built by hand, for the pieces that read them (fleetStatus,
// MemoryLimits) without a supervisor: every field present, the test sets what it is about.
import type {ChildHandle} from '../../src/prefork/child-handle.js'
import {createSlot, type Slot} from '../../src/prefork/slot.js'
import {type FakeWorker, fleetOf} from './fake-children.js'

/** A child handle that acts on nothing: a process that started 5 s ago (pid 10), not ready; `fields` override. */
export function childHandle(fields: Partial<ChildHandle> = {}): ChildHandle {
  return {
    asked: false,
    bootError: undefined,
    greeted: true,
    kill() {},
    killCause: undefined,
    name: 'w',
    pid: 10,
    ready: false,
    retired: undefined,
    send() {},
    silentMs: undefined,
    startedAt: performance.now() - 5000,
    statusText: undefined,
    terminate() {},
    uptimeMs: 5000,
    ...fields,
  }
}

/** The slot of `worker` (a fake fleet's worker, see fleetOf): no child, never exited; `fields` override. */
export function slotOf(worker: FakeWorker, fields: Partial<Slot> = {}): Slot {
  return {...createSlot(fleetOf([worker]).workers[0], {initialBackoffMs: 1000, maxBackoffMs: 30_000, stableMs: 60_000}), ...fields}
}
