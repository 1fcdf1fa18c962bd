// The registry against a real oclif Config, with fixture plugins linked through a private data dir.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {Config} from '@oclif/core'

import {findFleet, loadFleetCatalog, UnknownFleetError, UnusableFleetError} from '../../src/fleets/registry.js'
import type {FleetCatalog, PluginProblem} from '../../src/fleets/types.js'
import {fleetOf} from '../helpers/fake-children.js'
import {FIXTURE_PLUGINS, linkedDataDir, REPO} from '../helpers/decnet-cli.js'

/** A loaded oclif Config for decnet with these fixture plugins linked. */
async function configWith(t: TestContext, plugins: readonly string[]): Promise<Config> {
  const {env} = linkedDataDir(t, plugins)
  const saved = {...process.env}
  Object.assign(process.env, env)
  try {
    return await Config.load(REPO)
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key]
    else process.env[key] = saved[key]
  }
}

const names = (catalog: FleetCatalog): string[] => catalog.fleets.map((f) => f.name)
const problemsOf = (catalog: FleetCatalog, plugin: string): PluginProblem[] => catalog.problems.filter((p) => p.plugin === plugin)

describe('loadFleetCatalog', () => {
  it('collects a plugin fleet with its plugin, root and resolved workers, next to the built-ins', async (t) => {
    const catalog = await loadFleetCatalog(await configWith(t, ['decnet-plugin-sample', 'decnet-plugin-rootly']))
    const root = join(FIXTURE_PLUGINS, 'decnet-plugin-sample')
    const sample = findFleet(catalog, 'sample')
    assert.equal(sample.plugin, 'decnet-plugin-sample')
    assert.equal(sample.pluginRoot, root)
    assert.equal(sample.profile, 'database')
    assert.equal(sample.description, 'Two idle workers from the sample plugin')
    assert.deepEqual(
      sample.workers.map((w) => [w.name, w.modulePath, w.exportName, w.restart, w.options]),
      [
        ['alpha', join(root, 'workers', 'idle.js'), 'default', 'on-failure', {greeting: 'hello'}],
        ['beta', join(root, 'workers', 'idle.js'), 'default', 'on-failure', {}],
      ],
    )
    assert.deepEqual(names(catalog), [...names(catalog)].sort(), 'sorted by name')
    assert.ok(names(catalog).includes('rootly'))
    // The core is just another plugin: `heavy` comes from plugin `decnet` (usable once its workers are built).
    const heavy = catalog.fleets.find((f) => f.name === 'heavy') ?? catalog.problems.find((p) => p.fleet === 'heavy')
    assert.equal(heavy?.plugin, 'decnet')
  })

  it('sorts deterministically whatever order the plugins are linked in', async (t) => {
    const plugins = ['decnet-plugin-sample', 'decnet-plugin-rootly', 'decnet-plugin-throws', 'decnet-plugin-garbage']
    const a = await loadFleetCatalog(await configWith(t, plugins))
    const b = await loadFleetCatalog(await configWith(t, [...plugins].reverse()))
    assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))
  })

  it('turns a throwing hook and a garbage answer into problems naming the plugin; other fleets work', async (t) => {
    const catalog = await loadFleetCatalog(await configWith(t, ['decnet-plugin-sample', 'decnet-plugin-throws', 'decnet-plugin-garbage']))
    assert.deepEqual(problemsOf(catalog, 'decnet-plugin-throws'), [{message: 'hook failed: the fleet catalogue is on fire', plugin: 'decnet-plugin-throws'}])
    assert.deepEqual(problemsOf(catalog, 'decnet-plugin-garbage'), [
      {message: 'hook returned "fleets? what fleets?", not an array of fleet definitions', plugin: 'decnet-plugin-garbage'},
    ])
    assert.equal(findFleet(catalog, 'sample').plugin, 'decnet-plugin-sample')
  })

  // (The hook that hangs on a live timer is tested through the CLI: in this process its timer would outlive the test.)
  it('gives up on a hook that never settles after the timeout and keeps the other fleets', {timeout: 30_000}, async (t) => {
    const catalog = await loadFleetCatalog(await configWith(t, ['decnet-plugin-sample', 'decnet-plugin-stalls']), {timeoutMs: 300})
    assert.deepEqual(problemsOf(catalog, 'decnet-plugin-stalls'), [{message: 'hook timed out after 300 ms', plugin: 'decnet-plugin-stalls'}])
    assert.equal(findFleet(catalog, 'sample').plugin, 'decnet-plugin-sample')
  })

  it('refuses a fleet name two plugins define, naming both, and keeps neither', async (t) => {
    const catalog = await loadFleetCatalog(await configWith(t, ['decnet-plugin-sample', 'decnet-plugin-duplicate']))
    assert.ok(!names(catalog).includes('sample'), 'no silent override: neither sample is used')
    assert.equal(findFleet(catalog, 'dup-other').plugin, 'decnet-plugin-duplicate', "the duplicate plugin's other fleet still works")
    const problems = catalog.problems.filter((p) => p.fleet === 'sample')
    assert.deepEqual(problems.map((p) => p.plugin), ['decnet-plugin-duplicate', 'decnet-plugin-sample'])
    for (const p of problems) assert.match(p.message, /defined by plugins decnet-plugin-duplicate and decnet-plugin-sample/)
    assert.throws(() => findFleet(catalog, 'sample'), (error) => {
      assert.ok(error instanceof UnusableFleetError && error instanceof UnknownFleetError)
      assert.equal(
        error.message,
        "fleet 'sample' is unusable: defined by plugins decnet-plugin-duplicate and decnet-plugin-sample; none of them is used until all but one are removed or renamed",
      )
      return true
    })
  })

  it('rejects mixed-privilege, reserved-name and missing-module fleets per fleet', async (t) => {
    const plugins = ['decnet-plugin-sample', 'decnet-plugin-mixed', 'decnet-plugin-reserved', 'decnet-plugin-missing']
    const catalog = await loadFleetCatalog(await configWith(t, plugins))
    const [mixed] = problemsOf(catalog, 'decnet-plugin-mixed')
    assert.equal(mixed.fleet, 'mixed')
    assert.match(mixed.message, /mixes privilege profiles \(reader needs database, sniffer needs net-raw\): every child inherits the union of the master's privileges/)
    const [reserved] = problemsOf(catalog, 'decnet-plugin-reserved')
    assert.deepEqual(reserved, {fleet: 'list', message: "fleet name 'list' is reserved: `decnet fleet list` is a subcommand", plugin: 'decnet-plugin-reserved'})
    const [missing] = problemsOf(catalog, 'decnet-plugin-missing')
    assert.equal(missing.fleet, 'missing')
    assert.match(missing.message, /^worker 'ghost': module \.\/workers\/ghost\.js not found \(.*decnet-plugin-missing\/workers\/ghost\.js: ENOENT\)$/)
    assert.deepEqual(names(catalog).filter((n) => ['list', 'missing', 'mixed'].includes(n)), [])
    assert.ok(names(catalog).includes('sample'))
  })
})

describe('findFleet', () => {
  it("names the known fleets when the fleet is unknown: `unknown fleet 'NAME'; known fleets: a, b`", () => {
    const catalog: FleetCatalog = {fleets: [fleetOf([], {name: 'alpha'}), fleetOf([], {name: 'beta'})], problems: []}
    assert.throws(() => findFleet(catalog, 'gamma'), (error) => {
      assert.ok(error instanceof UnknownFleetError && !(error instanceof UnusableFleetError))
      assert.equal(error.message, "unknown fleet 'gamma'; known fleets: alpha, beta")
      assert.equal(error.fleet, 'gamma')
      assert.deepEqual(error.known, ['alpha', 'beta'])
      return true
    })
  })
})
