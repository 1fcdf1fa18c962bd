// A tick's plan, pure: which attackers its lines touch and what it writes for them, from the lines and the
// stored rows (kept or read), with whether each written row's contact columns are a fold's own.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {CachedAttacker} from '../../../src/workers/profiler/attacker-cache.js'
import type {LogSemantics} from '../../../src/workers/profiler/fold.js'
import type {TickLine} from '../../../src/workers/profiler/read/read-lines.js'

import {foldAttacker} from '../../../src/workers/profiler/fold.js'
import {ProfilerSemantics} from '../../../src/workers/profiler/semantics.js'
import {activityKey, groupByIp, planTick, tickWork} from '../../../src/workers/profiler/tick-plan.js'

const semantics: LogSemantics = {
  describe: (row) => ({command: row.event_type === 'command' ? (JSON.parse(row.fields) as {command: string}).command : null, isAuth: row.event_type === 'login_failed'}),
}

let nextId = 1
function line(ip: null | string, minute: number, decky: string, eventType = 'connect', fields: object = {}, service = 'ssh'): TickLine {
  const timestamp = `2026-11-26T13:${String(minute).padStart(2, '0')}:00.000Z`
  return {attacker_ip: ip, decky, event_type: eventType, fields: JSON.stringify(fields), id: nextId++, msg: null, service, timestamp}
}

describe('tick plan', () => {
  it('groups lines by attacker, skipping lines without one', () => {
    const lines = [line('a', 1, 'd1'), line(null, 2, 'd1'), line('b', 3, 'd1'), line('a', 4, 'd2')]
    const byIp = groupByIp(lines)
    assert.deepEqual([...byIp.keys()], ['a', 'b'])
    assert.deepEqual(byIp.get('a')!.map((row) => row.id), [lines[0].id, lines[3].id])
  })

  it('plans new, changed and moved attackers; keeps only lines not yet in a row; says which rows are a fold\'s own', () => {
    const old = [line('known', 1, 'd1'), line('moved', 1, 'd1'), line('done', 1, 'd1')]
    const stored = new Map<string, CachedAttacker>()
    // kept by the cache (its own), read back from the database (not its own), and one whose lines are all in its row
    stored.set('known', {ownContacts: true, row: foldAttacker(undefined, 'known', [old[0]], semantics).attacker})
    stored.set('moved', {ownContacts: false, row: foldAttacker(undefined, 'moved', [old[1]], semantics).attacker})
    stored.set('done', {ownContacts: true, row: foldAttacker(undefined, 'done', [old[2]], semantics).attacker})

    const lines = [
      line('new', 2, 'd1', 'command', {command: 'uname -a'}),
      line('known', 2, 'd2'), // a new decky: the contact columns change
      line('moved', 2, 'd1', 'login_failed'), // known decky, in time order: only counters move
    ]
    const work = tickWork(groupByIp([...lines, old[2]]), stored)
    assert.deepEqual(work.map((w) => [w.ip, w.fresh.length, w.ownContacts, w.needsFirstContacts]), [
      ['new', 1, false, false],
      ['known', 1, true, true],
      ['moved', 1, false, false],
    ])

    const plan = planTick(work, semantics)
    assert.deepEqual(plan.writes.created.map((row) => row.ip), ['new'])
    assert.deepEqual(plan.writes.changed.map((row) => row.ip), ['known'])
    assert.deepEqual(plan.writes.moved.map((row) => row.ip), ['moved'])
    assert.equal(plan.writes.moved[0].auth_attempts, 1)
    assert.deepEqual(plan.writes.batches.map((batch) => batch.ip), ['new'])
    assert.equal(plan.commands, 1)
    assert.deepEqual(plan.written.map(({ownContacts, row}) => [row.ip, ownContacts]), [['new', true], ['known', true], ['moved', false]])
    assert.equal(plan.writes.changed[0].traversal_path, 'd1 -> d2')
  })

  it('plans each attacker\'s credentials, service activities not stored yet and artifacts; leaves lines naming no attacker out', () => {
    const secret = {principal: 'root', secret_b64: Buffer.from('123456').toString('base64'), username: 'root'}
    const lines = [
      line('a', 1, 'd1', 'auth_attempt', secret, 'auth-helper'),
      line('a', 2, 'd1', 'auth_attempt', secret, 'auth-helper'),
      line('b', 3, 'd2', 'auth_attempt', {...secret, outcome: 'success'}, 'smtp'),
      line(null, 4, 'd1', 'auth_attempt', secret, 'ftp'),
      line('a', 5, 'd1', 'command', {command: 'id'}),
      line('a', 6, 'd1', 'file_captured', {sha256: 'ab'.repeat(32), size: '3'}),
      line('b', 7, 'd2', 'startup', {}, 'smtp'), // noise: no activity
    ]
    const work = tickWork(groupByIp(lines), new Map())
    const stored = new Set([activityKey('a', 'ssh', 'interaction')])
    const plan = planTick(work, new ProfilerSemantics(), {storedActivities: stored})

    assert.equal(plan.credentials, 3)
    const credentials = plan.writes.credentials.map((row) => [row.attacker_ip, row.service, row.attempts, row.successes, row.first_log_id, row.last_log_id])
    assert.deepEqual(credentials, [
      ['a', 'auth-helper', 2, 0, lines[0].id, lines[1].id],
      ['b', 'smtp', 1, 1, lines[2].id, lines[2].id],
    ])
    // a's ssh interaction is stored already: only the others are written, and remembered once committed
    const services = plan.writes.services.map((row) => [row.ip, row.service, row.kind, row.first_log_id])
    assert.deepEqual(services, [
      ['a', 'auth-helper', 'scan', lines[0].id],
      ['b', 'smtp', 'scan', lines[2].id],
    ])
    assert.deepEqual(plan.activities, [activityKey('a', 'auth-helper', 'scan'), activityKey('b', 'smtp', 'scan')])
    assert.deepEqual(plan.writes.artifacts.map((row) => [row.ip, row.kind, row.log_id]), [['a', 'file', lines[5].id]])
    assert.equal(JSON.parse(plan.writes.artifacts[0].details).sha256, 'ab'.repeat(32))
  })
})
