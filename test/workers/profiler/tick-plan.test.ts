// A tick's plan, pure: which attackers its lines touch and what it writes for them, from the lines and the
// stored rows (kept or read), with whether each written row's contact columns are a fold's own.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {CachedAttacker} from '../../../src/workers/profiler/attacker-cache.js'
import type {LogSemantics} from '../../../src/workers/profiler/fold.js'
import type {TickLine} from '../../../src/workers/profiler/read/read-lines.js'

import {foldAttacker} from '../../../src/workers/profiler/fold.js'
import {groupByIp, planTick, tickWork} from '../../../src/workers/profiler/tick-plan.js'

const semantics: LogSemantics = {
  describe: (row) => ({command: row.event_type === 'command' ? (JSON.parse(row.fields!) as {command: string}).command : null, isAuth: row.event_type === 'login_failed'}),
}

let nextId = 1
function line(ip: null | string, minute: number, decky: string, eventType = 'connect', fields: object = {}): TickLine {
  const timestamp = `2026-11-26T13:${String(minute).padStart(2, '0')}:00.000Z`
  return {attacker_ip: ip, decky, event_type: eventType, fields: JSON.stringify(fields), id: nextId++, msg: null, service: 'ssh', timestamp} as TickLine
}

describe('tick plan', () => {
  it('groups lines by attacker, skipping lines without one', () => {
    const lines = [line('a', 1, 'd1'), line(null, 2, 'd1'), line('b', 3, 'd1'), line('a', 4, 'd2')]
    const byIp = groupByIp(lines)
    assert.deepEqual([...byIp.keys()], ['a', 'b'])
    assert.deepEqual(byIp.get('a')!.map((row) => row.id), [lines[0]!.id, lines[3]!.id])
  })

  it('plans new, changed and moved attackers; keeps only lines not yet in a row; says which rows are a fold\'s own', () => {
    const old = [line('known', 1, 'd1'), line('moved', 1, 'd1'), line('done', 1, 'd1')]
    const stored = new Map<string, CachedAttacker>()
    // kept by the cache (its own), read back from the database (not its own), and one whose lines are all in its row
    stored.set('known', {ownContacts: true, row: foldAttacker(undefined, 'known', [old[0]!], semantics).attacker})
    stored.set('moved', {ownContacts: false, row: foldAttacker(undefined, 'moved', [old[1]!], semantics).attacker})
    stored.set('done', {ownContacts: true, row: foldAttacker(undefined, 'done', [old[2]!], semantics).attacker})

    const lines = [
      line('new', 2, 'd1', 'command', {command: 'uname -a'}),
      line('known', 2, 'd2'), // a new decky: the contact columns change
      line('moved', 2, 'd1', 'login_failed'), // known decky, in time order: only counters move
    ]
    const work = tickWork(groupByIp([...lines, old[2]!]), stored)
    assert.deepEqual(work.map((w) => [w.ip, w.fresh.length, w.ownContacts, w.needsFirstContacts]), [
      ['new', 1, false, false],
      ['known', 1, true, true],
      ['moved', 1, false, false],
    ])

    const plan = planTick(work, semantics)
    assert.deepEqual(plan.writes.created.map((row) => row.ip), ['new'])
    assert.deepEqual(plan.writes.changed.map((row) => row.ip), ['known'])
    assert.deepEqual(plan.writes.moved.map((row) => row.ip), ['moved'])
    assert.equal(plan.writes.moved[0]!.auth_attempts, 1)
    assert.deepEqual(plan.writes.batches.map((batch) => batch.ip), ['new'])
    assert.equal(plan.commands, 1)
    assert.deepEqual(plan.written.map(({ownContacts, row}) => [row.ip, ownContacts]), [['new', true], ['known', true], ['moved', false]])
    assert.equal(plan.writes.changed[0]!.traversal_path, 'd1 -> d2')
  })
})
