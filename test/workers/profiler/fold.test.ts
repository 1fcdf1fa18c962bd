import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {foldAttacker, type LogSemantics, needsFirstContacts, type ProfileLog, type StoredAttacker} from '../../../src/workers/profiler/fold.js'
import {LineDescriber} from '../../../src/workers/profiler/read/line-describer.js'
import {ProfilerSemantics} from '../../../src/workers/profiler/semantics.js'

// Semantics stubs, so these tests exercise the folding alone (src/logs has its own tests).
const semantics: LogSemantics = {
  describe: (row) => ({
    command: row.event_type === 'command' ? (JSON.parse(row.fields) as {command: string}).command : null,
    isAuth: row.event_type === 'login_failed' || row.event_type === 'login_success',
  }),
}

const IP = '203.0.113.7'
let nextId = 1
function line(timestamp: string, decky: string, service: string, eventType = 'connect', fields: Record<string, unknown> = {}): ProfileLog {
  return {decky, event_type: eventType, fields: JSON.stringify(fields), id: nextId++, msg: null, service, timestamp}
}

const ts = (s: string): string => `2026-11-26T13:${s}.000Z`

describe('foldAttacker', () => {
  it('builds a new attacker from its first lines', () => {
    const rows = [
      line(ts('00:00'), 'decky-01', 'ssh', 'login_failed'),
      line(ts('00:05'), 'decky-01', 'ssh', 'login_success'),
      line(ts('00:09'), 'decky-01', 'ssh', 'command', {command: 'uname -a'}),
    ]
    const {attacker, commands} = foldAttacker(undefined, IP, rows, semantics)
    assert.equal(attacker.ip, IP)
    assert.equal(attacker.first_seen, ts('00:00'))
    assert.equal(attacker.last_seen, ts('00:09'))
    assert.equal(attacker.event_count, 3)
    assert.deepEqual(JSON.parse(attacker.services), ['ssh'])
    assert.deepEqual(JSON.parse(attacker.deckies), ['decky-01'])
    assert.equal(attacker.is_traversal, 0)
    assert.equal(attacker.traversal_path, null)
    assert.equal(attacker.auth_attempts, 2)
    assert.equal(attacker.last_log_id, rows[2].id)
    assert.deepEqual(commands, [
      {command: 'uname -a', decky: 'decky-01', log_id: rows[2].id, service: 'ssh', timestamp: ts('00:09')},
    ])
  })

  it('takes first and last seen from event time, not arrival', () => {
    const rows = [line(ts('30:00'), 'd1', 'ssh'), line(ts('10:00'), 'd1', 'ssh'), line(ts('20:00'), 'd1', 'ssh')]
    const {attacker} = foldAttacker(undefined, IP, rows, semantics)
    assert.equal(attacker.first_seen, ts('10:00'))
    assert.equal(attacker.last_seen, ts('30:00'))
    const later = foldAttacker(attacker, IP, [line(ts('05:00'), 'd1', 'ssh')], semantics).attacker
    assert.equal(later.first_seen, ts('05:00'))
    assert.equal(later.last_seen, ts('30:00'))
  })

  it('orders deckies and services by first contact and marks a traversal', () => {
    const rows = [
      line(ts('00:00'), 'decky-a', 'ssh'),
      line(ts('01:00'), 'decky-b', 'telnet'),
      line(ts('02:00'), 'decky-a', 'http'),
      line(ts('03:00'), 'decky-c', 'ssh'),
      line(ts('04:00'), 'decky-b', 'ssh'),
    ]
    const {attacker} = foldAttacker(undefined, IP, rows, semantics)
    assert.deepEqual(JSON.parse(attacker.deckies), ['decky-a', 'decky-b', 'decky-c'])
    assert.deepEqual(JSON.parse(attacker.services), ['ssh', 'telnet', 'http'])
    assert.equal(attacker.is_traversal, 1)
    assert.equal(attacker.traversal_path, 'decky-a -> decky-b -> decky-c')
  })

  it('orders deckies by event time when one decky\'s log arrives after another\'s', () => {
    // decky-a's file ingested first, but the attacker reached decky-b first.
    const a = [line(ts('10:00'), 'decky-a', 'ssh'), line(ts('11:00'), 'decky-a', 'ssh')]
    const b = [line(ts('05:00'), 'decky-b', 'ssh'), line(ts('12:00'), 'decky-b', 'ssh')]
    const first = foldAttacker(undefined, IP, a, semantics).attacker
    assert.equal(first.traversal_path, null)
    const {attacker} = foldAttacker(first, IP, b, semantics)
    assert.equal(attacker.traversal_path, 'decky-b -> decky-a')
    assert.deepEqual(attacker, foldAttacker(undefined, IP, [...a, ...b], semantics).attacker)
  })

  it('moves a known decky earlier when a late line shows an earlier contact', () => {
    const first = foldAttacker(undefined, IP, [line(ts('10:00'), 'decky-a', 'ssh'), line(ts('20:00'), 'decky-b', 'ftp')], semantics).attacker
    assert.equal(first.traversal_path, 'decky-a -> decky-b')
    const late = foldAttacker(first, IP, [line(ts('05:00'), 'decky-b', 'ftp')], semantics).attacker
    assert.equal(late.traversal_path, 'decky-b -> decky-a')
    assert.deepEqual(JSON.parse(late.services), ['ftp', 'ssh'])
    // equal times: the earlier log id wins, so a later line at the same time changes nothing
    const tie = foldAttacker(late, IP, [line(ts('05:00'), 'decky-a', 'ssh')], semantics).attacker
    assert.equal(tie.traversal_path, 'decky-b -> decky-a')
  })

  it('leaves the contact columns as they were when new lines only revisit known deckies in time order', () => {
    const first = foldAttacker(undefined, IP, [line(ts('10:00'), 'decky-a', 'ssh'), line(ts('20:00'), 'decky-b', 'ftp')], semantics).attacker
    const next = foldAttacker(first, IP, [line(ts('20:00'), 'decky-a', 'ftp'), line(ts('30:00'), 'decky-b', '-')], semantics).attacker
    for (const column of ['deckies', 'services', 'first_contacts', 'traversal_path', 'is_traversal'] as const) {
      assert.equal(next[column], first[column], column)
    }

    assert.equal(next.event_count, 4)
    assert.equal(next.last_seen, ts('30:00'))
  })

  it('recognises new deckies whose names look like JSON punctuation', () => {
    const first = foldAttacker(undefined, IP, [line(ts('10:00'), 'a', 'ssh'), line(ts('11:00'), 'b', 'ssh')], semantics).attacker
    const odd = foldAttacker(first, IP, [line(ts('12:00'), ',', 'ssh'), line(ts('13:00'), 'b"', 'ssh'), line(ts('14:00'), 'a', 's\\h')], semantics).attacker
    assert.deepEqual(JSON.parse(odd.deckies), ['a', 'b', ',', 'b"'])
    assert.deepEqual(JSON.parse(odd.services), ['ssh', 's\\h'])
    const again = foldAttacker(odd, IP, [line(ts('15:00'), 'b"', 's\\h'), line(ts('16:00'), ',', 'ssh')], semantics).attacker
    assert.equal(again.deckies, odd.deckies)
    assert.equal(again.first_contacts, odd.first_contacts)
  })

  it('says when a fold reads the stored first contacts, and refuses to guess without them', () => {
    const first = foldAttacker(undefined, IP, [line(ts('10:00'), 'decky-a', 'ssh'), line(ts('20:00'), 'decky-b', 'ftp')], semantics)
    assert.equal(first.contactsChanged, true)
    const stored = first.attacker
    assert.equal(needsFirstContacts(undefined, [line(ts('00:00'), 'decky-a', 'ssh')]), false)
    assert.equal(needsFirstContacts(stored, [line(ts('20:00'), 'decky-a', 'ftp'), line(ts('21:00'), 'decky-b', 'ssh')]), false)
    assert.equal(needsFirstContacts(stored, [line(ts('21:00'), 'decky-c', 'ssh')]), true, 'a new decky')
    assert.equal(needsFirstContacts(stored, [line(ts('21:00'), 'decky-a', 'http')]), true, 'a new service')
    assert.equal(needsFirstContacts(stored, [line(ts('19:59'), 'decky-a', 'ssh')]), true, 'a line out of time order')

    const {first_contacts: _, is_traversal: __, traversal_path: ___, ...slim} = stored
    const moved = foldAttacker(slim, IP, [line(ts('30:00'), 'decky-b', 'ssh', 'login_failed')], semantics)
    assert.equal(moved.contactsChanged, false)
    assert.equal(moved.attacker.event_count, 3)
    assert.equal(moved.attacker.auth_attempts, 1)
    assert.equal(moved.attacker.last_seen, ts('30:00'))
    assert.throws(() => foldAttacker(slim, IP, [line(ts('31:00'), 'decky-z', 'ssh')], semantics), /first_contacts of attacker 203\.0\.113\.7 is needed but was not loaded/)
  })

  it('breaks first-contact ties by log id', () => {
    const rows = [line(ts('00:00'), 'decky-z', 'ssh'), line(ts('00:00'), 'decky-a', 'ssh')]
    assert.equal(foldAttacker(undefined, IP, rows, semantics).attacker.traversal_path, 'decky-z -> decky-a')
  })

  it('ignores NILVALUE deckies and services', () => {
    const rows = [line(ts('00:00'), '-', '-'), line(ts('00:01'), 'decky-a', '-')]
    const {attacker} = foldAttacker(undefined, IP, rows, semantics)
    assert.deepEqual(JSON.parse(attacker.deckies), ['decky-a'])
    assert.deepEqual(JSON.parse(attacker.services), [])
    assert.equal(attacker.event_count, 2)
  })

  it('gives the same row whatever the batch boundaries', () => {
    // A deterministic pseudo-random history: several deckies, services, auth and commands, times out of order.
    let seed = 42
    const rand = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }
    const kinds = ['connect', 'login_failed', 'login_success', 'command']
    const rows = Array.from({length: 60}, () => {
      const kind = kinds[rand(4)]
      const second = String(rand(60)).padStart(2, '0')
      return line(ts(`${String(rand(3)).padStart(2, '0')}:${second}`), `decky-${rand(5)}`, ['ssh', 'telnet', 'ftp'][rand(3)], kind, {
        command: `echo ${rand(1000)}`,
      })
    })
    const whole = foldAttacker(undefined, IP, rows, semantics)
    // each row folded again as read back (checked), and as kept by a tick with its fold's ownContacts (trusted)
    for (const trusted of [false, true]) {
      for (const size of [1, 2, 7, 13, 59]) {
        let current
        let own = false
        const commands = []
        for (let i = 0; i < rows.length; i += size) {
          const result = foldAttacker(current, IP, rows.slice(i, i + size), semantics, trusted ? {ownContacts: own} : {})
          current = result.attacker
          own = result.ownContacts
          commands.push(...result.commands)
        }

        if (trusted) assert.equal(own, true, 'a fold that wrote the contact columns, or kept its own, says they are its own')
        assert.deepEqual(current, whole.attacker, `batches of ${size}${trusted ? ', trusted' : ''}`)
        assert.deepEqual(commands, whole.commands, `batches of ${size}${trusted ? ', trusted' : ''}`)
      }
    }
  })

  it('gives the same row and commands from lines described as read, which keep only what the fold needs', () => {
    const kinds = ['connect', 'login_failed', 'login_success', 'command']
    const rows = Array.from({length: 40}, (_, i) =>
      line(ts(`0${i % 3}:${String((i * 7) % 60).padStart(2, '0')}`), `decky-${i % 4}`, ['ssh', 'ftp'][i % 2], kinds[(i * 5) % 4], {command: `echo ${i}`}),
    )
    const whole = foldAttacker(undefined, IP, rows, semantics)
    const described = rows.map((row) => ({...row, attacker_ip: IP}))
    new LineDescriber(semantics).describe(described)

    const refusing = {describe: () => assert.fail('a described line is not described again')}
    const folded = foldAttacker(undefined, IP, described.slice(0, 25), refusing)
    const rest = foldAttacker(folded.attacker, IP, described.slice(25), refusing)
    assert.deepEqual(rest.attacker, whole.attacker)
    assert.deepEqual([...folded.commands, ...rest.commands], whole.commands)
    assert.ok(whole.commands.length > 0 && whole.attacker.auth_attempts > 0, 'the history has commands and authentications')
  })

  it('gives the same row when told what needsFirstContacts said (the tick does)', () => {
    // in time order with repeats: most folds need no first contacts, some do (a new decky or service)
    const rows = Array.from({length: 80}, (_, i) =>
      line(ts(`${String(Math.floor(i / 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`), `decky-${(i * 7) % 4}`, ['ssh', 'ftp'][i % 2], i % 3 ? 'login_failed' : 'command', {
        command: `echo ${i}`,
      }),
    )
    rows.splice(50, 0, line(ts('00:30'), 'decky-9', 'telnet')) // one out of time order
    const whole = foldAttacker(undefined, IP, rows, semantics)
    for (const size of [1, 3, 10]) {
      let current
      let hinted = 0
      const commands = []
      for (let i = 0; i < rows.length; i += size) {
        const slice = rows.slice(i, i + size)
        const needs = needsFirstContacts(current, slice)
        if (current !== undefined && !needs) hinted++
        const result = foldAttacker(current, IP, slice, semantics, {needsFirstContacts: needs})
        assert.deepEqual(result, foldAttacker(current, IP, slice, semantics), `batch at ${i} of ${size}`)
        current = result.attacker
        commands.push(...result.commands)
      }

      assert.ok(hinted > 0, `some folds of ${size} skip the contact checks`)
      assert.deepEqual(current, whole.attacker, `batches of ${size}`)
      assert.deepEqual(commands, whole.commands, `batches of ${size}`)
    }
  })

  it('appends new names in time order to a stored row as a fold of everything would order them', () => {
    const cases = {
      'a row with no names yet': [[line(ts('00:00'), '-', '-')], [line(ts('01:00'), 'decky-a', 'ssh'), line(ts('02:00'), 'decky-b', 'ftp'), line(ts('02:00'), 'decky-a', 'http')]],
      'names after the stored ones': [[line(ts('00:00'), 'decky-a', 'ssh')], [line(ts('00:00'), 'decky-b', 'ssh'), line(ts('03:00'), 'decky-c', 'ftp'), line(ts('04:00'), 'decky-b', 'ftp')]],
      'a traversal that goes on': [[line(ts('00:00'), 'decky-a', 'ssh'), line(ts('00:10'), 'decky-b', 'ssh')], [line(ts('01:00'), 'decky-c', 'ssh'), line(ts('02:00'), 'decky-d', 'ftp')]],
      'a traversal that only gains a service': [[line(ts('00:00'), 'decky-a', 'ssh'), line(ts('00:10'), 'decky-b', 'ssh')], [line(ts('01:00'), 'decky-a', 'ftp')]],
      'an appended name seen earlier again (restores the lists)': [[line(ts('00:00'), 'decky-a', 'ssh')], [line(ts('05:00'), 'decky-b', 'ssh'), line(ts('03:00'), 'decky-b', 'ssh')]],
      'a new name before an appended one (restores the lists)': [[line(ts('00:00'), 'decky-a', 'ssh')], [line(ts('05:00'), 'decky-b', 'ssh'), line(ts('04:00'), 'decky-c', 'ftp')]],
      'an append, then a line out of time order': [[line(ts('02:00'), 'decky-a', 'ssh')], [line(ts('05:00'), 'decky-b', 'ssh'), line(ts('01:00'), 'decky-a', 'ftp')]],
    }
    for (const [name, [before, after]] of Object.entries(cases)) {
      const stored = foldAttacker(undefined, IP, before, semantics).attacker
      const folded = foldAttacker(stored, IP, after, semantics)
      assert.equal(folded.contactsChanged, true, name)
      assert.deepEqual(folded.attacker, foldAttacker(undefined, IP, [...before, ...after], semantics).attacker, name)
      // the fold trusts the columns of a row it returned; a copy (as read back from a database) is checked: same row
      assert.deepEqual(foldAttacker({...stored}, IP, after, semantics), folded, `${name}, a copy of the row`)
    }
  })

  it('appends to a stored row written in another JSON layout, keeping what it holds', () => {
    const first = [line(ts('00:00'), 'decky-a', 'ssh')]
    const stored = foldAttacker(undefined, IP, first, semantics).attacker
    const after = [line(ts('01:00'), 'decky-b', 'ftp')]
    const whole = foldAttacker(undefined, IP, [...first, ...after], semantics).attacker
    for (const layout of [{deckies: '[ "decky-a" ]'}, {services: '[ "ssh" ] '}, {first_contacts: JSON.stringify(JSON.parse(stored.first_contacts as string), null, 1)}]) {
      const {attacker} = foldAttacker({...stored, ...layout}, IP, after, semantics)
      assert.deepEqual({...attacker, first_contacts: JSON.parse(attacker.first_contacts as string)}, {...whole, first_contacts: JSON.parse(whole.first_contacts as string)}, Object.keys(layout)[0])
    }
  })

  it('keeps the order of a row that has no first-contact keys', () => {
    const legacy = {
      auth_attempts: 1, deckies: '["decky-x","decky-y"]', event_count: 4, first_contacts: '', first_seen: ts('00:00'), ip: IP,
      is_traversal: 1, last_log_id: 0, last_seen: ts('09:00'), services: '["ssh"]', traversal_path: 'decky-x -> decky-y',
    }
    const {attacker} = foldAttacker(legacy, IP, [line(ts('10:00'), 'decky-z', 'ftp', 'login_failed')], semantics)
    assert.equal(attacker.traversal_path, 'decky-x -> decky-y -> decky-z')
    assert.deepEqual(JSON.parse(attacker.services), ['ssh', 'ftp'])
    assert.equal(attacker.event_count, 5)
    assert.equal(attacker.auth_attempts, 2)
  })

  it('refuses to fold nothing into nothing', () => {
    assert.throws(() => foldAttacker(undefined, IP, [], semantics), /nothing to fold for attacker 203\.0\.113\.7/)
  })
})

describe('foldAttacker: the services an attacker reached', () => {
  const session = (timestamp: string, decky: string, service: string) =>
    line(timestamp, decky, 'sessrec', 'session_recorded', {bytes: '10', duration_s: '5.000', service, sid: '3f9c2a1e-5b7d-4c1a-9e2f-8a6b0c4d2e11', src_ip: IP, truncated: 'false'})
  // an SSH and a Telnet intrusion on two deckies, seen by the sniffer and touched by every other producer of DECNET's
  const history = (): ProfileLog[] => [
    line(ts('00:00'), 'decky-a', 'sniffer', 'tcp_syn_fingerprint'),
    line(ts('00:01'), 'decky-a', 'auth-helper', 'auth_attempt', {username: 'root'}),
    line(ts('00:02'), 'decky-a', 'bash', 'command', {command: 'id'}),
    line(ts('00:03'), 'decky-a', 'prober', 'tcpfp_fingerprint'),
    session(ts('00:04'), 'decky-a', 'ssh'),
    line(ts('00:05'), 'decky-b', 'sniffer', 'tcp_flow_timing'),
    line(ts('00:06'), 'decky-b', 'correlator', 'traversal_detected'),
    line(ts('00:07'), 'decky-b', 'tarpit', 'tarpit_enter'),
    line(ts('00:08'), 'decky-b', 'mutator', 'decky_mutated'),
    line(ts('00:09'), 'decky-b', 'sessrec', 'session_skipped', {reason: 'disk_pressure'}),
    session(ts('00:10'), 'decky-b', 'telnet'),
    line(ts('00:11'), 'decky-c', 'sniffer', 'tcp_syn_fingerprint'),
    session(ts('00:12'), 'decky-a', 'ssh'),
    line(ts('00:13'), 'decky-a', 'ssh', 'file_captured', {sha256: 'a'.repeat(64)}),
  ]

  it('leaves out DECNET\'s infrastructure producers and counts a recorded session for its own service', () => {
    const {attacker} = foldAttacker(undefined, IP, history(), new ProfilerSemantics())
    assert.deepEqual(JSON.parse(attacker.services), ['auth-helper', 'bash', 'ssh', 'sessrec', 'telnet'])
    // the sniffer's lines still show the deckies reached, and every line is an event
    assert.deepEqual(JSON.parse(attacker.deckies), ['decky-a', 'decky-b', 'decky-c'])
    assert.equal(attacker.traversal_path, 'decky-a -> decky-b -> decky-c')
    assert.equal(attacker.event_count, 14)
    const keys = (JSON.parse(attacker.first_contacts as string) as {services: unknown[]}).services
    assert.deepEqual(keys.map((key) => (key as [string, number])[0]), [ts('00:01'), ts('00:02'), ts('00:04'), ts('00:09'), ts('00:10')], 'a first contact for each service, position for position')
  })

  it('gives the same row whatever the batch boundaries, with lines described as read or not, and with needsFirstContacts\' hints', () => {
    const semantics = new ProfilerSemantics()
    const rows = history()
    rows.splice(3, 0, session(ts('00:00'), 'decky-c', 'ssh')) // a session out of time order, before every other line
    const whole = foldAttacker(undefined, IP, rows, semantics).attacker
    assert.deepEqual(JSON.parse(whole.services), ['ssh', 'auth-helper', 'bash', 'sessrec', 'telnet'])
    const described = rows.map((row) => ({...row, attacker_ip: IP}))
    new LineDescriber(semantics).describe(described)
    for (const lines of [rows, described]) {
      for (const size of [1, 2, 3, 5]) {
        let current: StoredAttacker | undefined
        let own = false
        for (let i = 0; i < lines.length; i += size) {
          const slice = lines.slice(i, i + size)
          const needs = needsFirstContacts(current, slice)
          const result = foldAttacker(current, IP, slice, semantics, {needsFirstContacts: needs, ownContacts: own})
          assert.deepEqual(result.attacker, foldAttacker(current && {...current}, IP, slice, semantics).attacker, `batch at ${i} of ${size}`)
          current = result.attacker
          own = result.ownContacts
        }

        assert.deepEqual(current, whole, `batches of ${size}${lines === described ? ', described' : ''}`)
      }
    }
  })

  it('reads the stored first contacts for a recorded session not yet described: its service is in its fields', () => {
    const semantics = new ProfilerSemantics()
    const stored = foldAttacker(undefined, IP, [line(ts('00:00'), 'decky-a', 'ssh', 'connect')], semantics).attacker
    const known = session(ts('00:01'), 'decky-a', 'ssh')
    assert.equal(needsFirstContacts(stored, [known]), true, 'not described: its service is unknown')
    const described = [{...known, attacker_ip: IP}]
    new LineDescriber(semantics).describe(described) // in place
    assert.equal(needsFirstContacts(stored, described), false, 'described: an ssh session, a known service')
    assert.equal(needsFirstContacts(stored, [line(ts('00:01'), 'decky-a', 'sniffer', 'tcp_flow_timing')]), false, 'the sniffer is no service')
  })
})
