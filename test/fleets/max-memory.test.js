// `maxMemoryMb` in fleet definitions: a fleet-wide limit, a worker's own (which wins), and refusals.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {RESERVED_FLEET_NAMES} from '../../dist/fleets/registry.js'
import {validateFleet} from '../../dist/fleets/validate.js'
import {FIXTURE_PLUGINS} from '../helpers/decnet-cli.js'

const context = {pluginRoot: join(FIXTURE_PLUGINS, 'decnet-plugin-sample'), reserved: new Set(RESERVED_FLEET_NAMES)}
const worker = (name, extra = {}) => ({name, module: './workers/idle.js', needs: 'database', ...extra})
const fleet = (extra = {}) => ({name: 'f', description: 'a fleet', profile: 'database', workers: [worker('a'), worker('b', {maxMemoryMb: 64})], ...extra})

describe('maxMemoryMb', () => {
  it('is resolved onto each worker: its own, else the fleet one, else none', () => {
    const limited = validateFleet(fleet({maxMemoryMb: 512}), 0, context)
    assert.equal(limited.ok, true, limited.message)
    assert.deepEqual(limited.fleet.workers.map((w) => w.maxMemoryMb), [512, 64])
    const open = validateFleet(fleet(), 0, context)
    assert.deepEqual(open.fleet.workers.map((w) => w.maxMemoryMb), [undefined, 64])
    assert.equal('maxMemoryMb' in open.fleet.workers[0], false, 'no key when there is no limit')
  })

  it('refuses anything but a whole number of MiB from 1 to 1048576, naming the fleet or worker setting', () => {
    for (const bad of [0, -1, 1.5, '512', null, 2 ** 20 + 1, Number.NaN]) {
      const onFleet = validateFleet(fleet({maxMemoryMb: bad}), 0, context)
      assert.equal(onFleet.ok, false, String(bad))
      assert.match(onFleet.message, /^maxMemoryMb must be a whole number of MiB from 1 to 1048576 \(got .+\)$/)
      const onWorker = validateFleet(fleet({workers: [worker('a', {maxMemoryMb: bad})]}), 0, context)
      assert.equal(onWorker.ok, false, String(bad))
      assert.match(onWorker.message, /^worker 'a': maxMemoryMb must be a whole number of MiB from 1 to 1048576 \(got .+\)$/)
    }

    assert.equal(validateFleet(fleet({maxMemoryMb: 2 ** 20}), 0, context).ok, true)
  })
})
