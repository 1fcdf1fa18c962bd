// What a worker reports on its sources reaches `fleet status` sanitised (a child is not trusted blindly),
// and the human status shows one row per source with control bytes escaped.
import assert from 'node:assert/strict'
import {it} from 'node:test'

import {formatStatus} from '../../src/control/format-status.js'
import type {FleetStatus} from '../../src/prefork/fleet-status.js'
import {MAX_SOURCE_REPORTS, sanitizeSourceReports} from '../../src/prefork/source-report.js'

const GOOD = {accepted: 3, connections: null, kind: 'file', lagBytes: 12, lastError: null, lastErrorAt: null, queued: null, rejected: 1, source: '/var/log/decnet.log'}

it('keeps well-formed reports, drops malformed ones, bounds counts and texts', () => {
  assert.equal(sanitizeSourceReports('nope'), undefined)
  const reports = sanitizeSourceReports([GOOD, null, {...GOOD, kind: 'socket'}, {...GOOD, accepted: -1, lagBytes: 1.5, lastError: 'x'.repeat(1000), lastErrorAt: 'yesterday', source: 's'}])
  assert.deepEqual(reports?.[0], GOOD)
  assert.equal(reports?.length, 2)
  assert.deepEqual({...reports?.[1], lastError: reports?.[1].lastError?.length}, {...GOOD, accepted: 0, lagBytes: null, lastError: 300, lastErrorAt: null, source: 's'})
  assert.equal(sanitizeSourceReports(Array.from({length: 100}, () => GOOD))?.length, MAX_SOURCE_REPORTS)
})

it('fleet status shows a row per source, control bytes escaped', () => {
  const now = Date.parse('2026-12-07T12:00:10Z')
  const status: FleetStatus = {
    fleet: 'collect',
    graceMs: 15_000,
    master: {pid: 10, startedAt: '2026-12-07T12:00:00Z', uptimeMs: 10_000},
    profile: 'database',
    ready: true,
    stopping: false,
    workers: [
      {detail: 'following 1 file', lastExit: null, name: 'follow', nextRestartAt: null, nextRestartInMs: null, pid: 11, restarts: 0, sources: [GOOD as never], startedAt: null, state: 'ready', uptimeMs: 10_000},
      {
        detail: null, lastExit: null, name: 'receive', nextRestartAt: null, nextRestartInMs: null, pid: 12, restarts: 0, startedAt: null, state: 'ready', uptimeMs: 10_000,
        sources: [{accepted: 5, connections: 2, kind: 'listener', lagBytes: null, lastError: 'refused tcp://198.51.100.1:4000: \u001b[31m', lastErrorAt: '2026-12-07T12:00:08Z', queued: 7, rejected: 0, source: 'tcp://0.0.0.0:5514'}],
      },
    ],
  }
  const text = formatStatus(status, now)
  assert.match(text, /SOURCE +WORKER +ACCEPTED +REJECTED +LAG +CONNECTIONS +LAST ERROR/)
  assert.match(text, /\/var\/log\/decnet\.log +follow +3 +1 +12 B +- +-/)
  assert.match(text, /tcp:\/\/0\.0\.0\.0:5514 +receive +5 +0 +7 queued +2 +refused tcp:\/\/198\.51\.100\.1:4000: \\x1b\[31m \(2\.0 s ago\)/)
  assert.doesNotMatch(text, /\u001b/)
})
