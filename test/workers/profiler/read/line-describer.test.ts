import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {LineDescriber} from '../../../../src/workers/profiler/read/line-describer.js'
import type {TickLine} from '../../../../src/workers/profiler/read/read-lines.js'
import {ProfilerSemantics} from '../../../../src/workers/profiler/semantics.js'

const line = (id: number, overrides: Partial<TickLine> = {}): TickLine => ({
  attacker_ip: '203.0.113.7',
  decky: 'decky-01',
  event_type: 'command',
  fields: JSON.stringify({command: `uname -a # ${id}`, src_ip: '203.0.113.7'}),
  id,
  msg: null,
  service: 'ssh',
  timestamp: `2026-11-26T10:00:${String(id % 60).padStart(2, '0')}.000Z`,
  ...overrides,
})

describe('LineDescriber', () => {
  it('replaces each line, in place, by what the fold needs: its meaning, without event_type, fields or msg', () => {
    const semantics = new ProfilerSemantics()
    const lines = [
      line(1),
      line(2, {event_type: 'login_failed', fields: '{"username":"root"}', msg: 'Failed password for root'}),
      line(3, {attacker_ip: null, event_type: 'connect', fields: '{}'}),
      line(4, {event_type: 'command', fields: '{}', msg: 'CMD uid=0 user=root src=203.0.113.7 pwd=/root cmd=id'}),
    ]
    const originals = lines.map((l) => ({...l}))
    const array = lines
    new LineDescriber(semantics).describe(lines)
    assert.equal(lines, array)
    for (const [i, described] of lines.entries()) {
      const original = originals[i]
      assert.deepEqual(described, {
        attacker_ip: original.attacker_ip,
        decky: original.decky,
        event_type: '',
        fields: '',
        id: original.id,
        meaning: semantics.describe(original),
        msg: null,
        service: original.service,
        timestamp: original.timestamp,
      })
    }

    assert.deepEqual(
      lines.map((l) => l.meaning),
      [
        {activity: 'interaction', command: 'uname -a # 1', isAuth: false},
        {activity: 'scan', command: null, isAuth: true},
        {activity: 'scan', command: null, isAuth: false},
        {activity: 'interaction', command: 'id', isAuth: false},
      ],
    )
  })

  it('keeps every name right past the size of its table of shared strings', () => {
    const describer = new LineDescriber(new ProfilerSemantics())
    for (let round = 0; round < 3; round++) {
      const lines = Array.from({length: 60_000}, (_, i) => line(i, {attacker_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, decky: `decky-${i % 1500}`, service: `svc-${i % 1200}`}))
      describer.describe(lines)
      lines.forEach((l, i) => {
        assert.equal(l.decky, `decky-${i % 1500}`)
        assert.equal(l.service, `svc-${i % 1200}`)
        assert.equal(l.attacker_ip, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)
      })
    }
  })
})
