// A reload (SIGHUP, `decnet fleet reload`) decided over fake children: the master sends `reload` to every
// child that has started (said hello), names them, and sends nothing while the fleet stops.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {fakeFleet} from '../helpers/fake-children.js'

test('reload: every started child gets a reload message; the master says whom it asked', () => {
  const fleet = fakeFleet([{name: 'alpha'}, {name: 'beta'}, {name: 'gamma'}])
  fleet.children.of('alpha').up()
  fleet.children.of('beta').hello() // started, not ready yet: it still gets it (its worker may be loading)
  assert.deepEqual(fleet.supervisor.reload('SIGHUP'), ['alpha', 'beta'])
  assert.deepEqual(fleet.children.of('alpha').sent.map((message) => message.type), ['start', 'reload'])
  assert.deepEqual(fleet.children.of('beta').sent.map((message) => message.type), ['start', 'reload'])
  assert.deepEqual(fleet.children.of('gamma').sent, [], 'a child that has not said hello gets nothing: it reads the new configuration when it starts')
  assert.deepEqual(fleet.grep(/reload/), ['[decnet] reload (SIGHUP): asking alpha, beta'])
  assert.equal(fleet.children.of('alpha').signals.length, 0, 'nobody is restarted')
})

test('reload while the fleet stops: nothing is sent, and the master says why', () => {
  const fleet = fakeFleet([{name: 'alpha'}])
  fleet.children.of('alpha').up()
  fleet.supervisor.stop('SIGTERM')
  assert.deepEqual(fleet.supervisor.reload('SIGHUP'), [])
  assert.deepEqual(fleet.children.of('alpha').sent.map((message) => message.type), ['start'])
  assert.deepEqual(fleet.grep(/reload/), ['[decnet] reload (SIGHUP) ignored: fleet f is stopping'])
})
