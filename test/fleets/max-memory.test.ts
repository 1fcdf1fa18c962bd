// `maxMemoryMb` in fleet definitions: a fleet-wide limit, a worker's own (which wins), and refusals.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {RESERVED_FLEET_NAMES} from '../../src/fleets/registry.js'
import {type FleetValidation, validateFleet, type ValidFleet} from '../../src/fleets/validate.js'
import {FIXTURE_PLUGINS} from '../helpers/decnet-cli.js'

const context = {pluginRoot: join(FIXTURE_PLUGINS, 'decnet-plugin-sample'), reserved: new Set(RESERVED_FLEET_NAMES)}
const worker = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({name, module: './workers/idle.js', needs: 'database', ...extra})
const fleet = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({name: 'f', description: 'a fleet', profile: 'database', workers: [worker('a'), worker('b', {maxMemoryMb: 64})], ...extra})

/** The fleet of a validation that must have succeeded (the assertion says why it did not). */
function accepted(result: FleetValidation): ValidFleet {
  assert.equal(result.ok, true, result.ok ? undefined : result.message)
  assert.ok(result.ok)
  return result.fleet
}

/** The message of a validation that must have failed. */
function refused(result: FleetValidation, what: string): string {
  assert.equal(result.ok, false, what)
  assert.ok(!result.ok)
  return result.message
}

describe('maxMemoryMb', () => {
  it('is resolved onto each worker: its own, else the fleet one, else none', () => {
    const limited = accepted(validateFleet(fleet({maxMemoryMb: 512}), 0, context))
    assert.deepEqual(limited.workers.map((w) => w.maxMemoryMb), [512, 64])
    const open = accepted(validateFleet(fleet(), 0, context))
    assert.deepEqual(open.workers.map((w) => w.maxMemoryMb), [undefined, 64])
    assert.equal('maxMemoryMb' in open.workers[0], false, 'no key when there is no limit')
  })

  it('refuses anything but a whole number of MiB from 1 to 1048576, naming the fleet or worker setting', () => {
    for (const bad of [0, -1, 1.5, '512', null, 2 ** 20 + 1, Number.NaN]) {
      const onFleet = refused(validateFleet(fleet({maxMemoryMb: bad}), 0, context), String(bad))
      assert.match(onFleet, /^maxMemoryMb must be a whole number of MiB from 1 to 1048576 \(got .+\)$/)
      const onWorker = refused(validateFleet(fleet({workers: [worker('a', {maxMemoryMb: bad})]}), 0, context), String(bad))
      assert.match(onWorker, /^worker 'a': maxMemoryMb must be a whole number of MiB from 1 to 1048576 \(got .+\)$/)
    }

    assert.equal(validateFleet(fleet({maxMemoryMb: 2 ** 20}), 0, context).ok, true)
  })
})
