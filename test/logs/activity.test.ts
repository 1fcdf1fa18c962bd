import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {activityOf, INFRASTRUCTURE_SERVICES, reachedService} from '../../src/logs/activity.js'
import {isServiceName0017, reachedService0017} from '../../src/db/migrations/0017-reached-services-rule.js'

describe('reachedService', () => {
  it('names the service a line shows its attacker reached', () => {
    assert.equal(reachedService('ssh'), 'ssh')
    assert.equal(reachedService('auth-helper'), 'auth-helper', 'the PAM helper serves SSH and Telnet: its line does not say which')
    assert.equal(reachedService('bash'), 'bash')
    assert.equal(reachedService('sessrec'), 'sessrec', 'a recorder line that names no session service (session_skipped)')
    assert.equal(reachedService('sessrec', 'telnet'), 'telnet', 'a recorded session counts for its own service')
    assert.equal(reachedService('sessrec', null), 'sessrec')
    for (const producer of INFRASTRUCTURE_SERVICES) assert.equal(reachedService(producer), '', producer)
    assert.equal(reachedService('sniffer', 'ssh'), '', 'an infrastructure line is no service, whatever it says')
    assert.equal(reachedService('sessrec', 'prober'), '', 'nor does a session name one')
    assert.equal(reachedService('-'), '')
    assert.equal(reachedService(''), '')
  })

  it('agrees with service activity on which lines are of no service', () => {
    for (const service of ['ssh', 'sniffer', 'prober', 'correlator', 'tarpit', 'mutator', '-', 'auth-helper']) {
      assert.equal(reachedService(service) === '', activityOf(service, 'connect') === 'noise', service)
    }
  })

  it('is what migration 0017 applies (its frozen copy)', () => {
    const rows = [
      {event_type: 'session_recorded', fields: JSON.stringify({service: 'ssh'}), service: 'sessrec'},
      {event_type: 'Session-Recorded', fields: JSON.stringify({service: 'telnet'}), service: 'sessrec'},
      {event_type: 'session_skipped', fields: JSON.stringify({reason: 'disk_pressure'}), service: 'sessrec'},
      {event_type: 'session_recorded', fields: JSON.stringify({service: '-'}), service: 'sessrec'},
      {event_type: 'session_recorded', fields: JSON.stringify({service: 'sniffer'}), service: 'sessrec'},
      {event_type: 'session_recorded', fields: 'not json', service: 'sessrec'},
      {event_type: 'tcp_syn_fingerprint', fields: '{}', service: 'sniffer'},
      {event_type: 'auth_attempt', fields: '{}', service: 'auth-helper'},
    ]
    const live = ['ssh', 'telnet', 'sessrec', 'sessrec', '', 'sessrec', '', 'auth-helper']
    assert.deepEqual(rows.map((row) => reachedService0017(row)), live)
    for (const service of ['ssh', 'sniffer', '-', '', 'mutator']) assert.equal(isServiceName0017(service), reachedService(service) !== '', service)
  })
})
