// `nodeOptions` in fleet definitions: checked when the fleet is read, and given to that worker's process
// only, after the master's own node options.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {RESERVED_FLEET_NAMES} from '../../src/fleets/registry.js'
import {validateFleet} from '../../src/fleets/validate.js'
import {FIXTURE_PLUGINS} from '../helpers/decnet-cli.js'
import {startFleet} from '../helpers/fleet-harness.js'

const context = {pluginRoot: join(FIXTURE_PLUGINS, 'decnet-plugin-sample'), reserved: new Set(RESERVED_FLEET_NAMES)}
const worker = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({name, module: './workers/idle.js', needs: 'database', ...extra})
const fleet = (workers: Array<Record<string, unknown>>): Record<string, unknown> => ({name: 'f', description: 'a fleet', profile: 'database', workers})

describe('nodeOptions', () => {
  it('is kept on the worker that declares it, frozen; absent (no key) on the others and when empty', () => {
    const result = validateFleet(fleet([worker('a', {nodeOptions: ['--max-semi-space-size=1', '--optimize-for-size']}), worker('b'), worker('c', {nodeOptions: []})]), 0, context)
    assert.ok(result.ok, result.ok ? undefined : result.message)
    const [a, b, c] = result.fleet.workers
    assert.deepEqual(a.nodeOptions, ['--max-semi-space-size=1', '--optimize-for-size'])
    assert.ok(Object.isFrozen(a.nodeOptions))
    assert.equal('nodeOptions' in b, false)
    assert.equal('nodeOptions' in c, false)
  })

  it('refuses what is not an array of --name or --name=value without spaces, naming the worker', () => {
    const bad: unknown[] = ['--optimize-for-size', ['-r', 'x'], ['--a b'], ['--x=a b'], ['--x='], [1], ['optimize'], Array.from({length: 17}, () => '--x')]
    for (const value of bad) {
      const result = validateFleet(fleet([worker('a', {nodeOptions: value})]), 0, context)
      assert.equal(result.ok, false, JSON.stringify(value))
      assert.ok(!result.ok)
      assert.match(result.message, /^worker 'a': nodeOptions( must be an array of at most 16 options|: each must be one --name or --name=value without spaces) \(got .+\)$/)
    }
  })

  it("reaches that worker's process only, after the master's node options", async (t) => {
    const run = startFleet({
      fleet: {
        name: 'flags',
        workers: [
          {module: 'report.js', name: 'small', nodeOptions: ['--max-semi-space-size=1', '--stack-size=900']},
          {module: 'report.js', name: 'plain'},
        ],
      },
    })
    t.after(() => run.cleanup())
    const small = JSON.parse((await run.waitFor(/^small \| report (.*)$/)).match[1]) as {execArgv: string[]}
    const plain = JSON.parse((await run.waitFor(/^plain \| report (.*)$/)).match[1]) as {execArgv: string[]}
    assert.deepEqual(small.execArgv.slice(-2), ['--max-semi-space-size=1', '--stack-size=900'])
    assert.deepEqual(small.execArgv.slice(0, -2), plain.execArgv, "the master's own options come first, unchanged")
    assert.equal(plain.execArgv.includes('--max-semi-space-size=1'), false)
  })
})
