// The plugin guide's step 4 (`decnet fleet sample --user nobody`, as root) must work for a fleet whose workers never
// touch the database; a module the workers' user cannot read is a permission problem, said as such; and a plugin
// cannot take a built-in fleet offline by defining one of the same name.
import assert from 'node:assert/strict'
import {chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {validateFleet, type FleetValidation, type ValidFleet} from '../../src/fleets/validate.js'
import {EXIT, FIXTURE_PLUGINS, dataDirEnv, linkedDataDir, runDecnet, unwrap} from '../helpers/decnet-cli.js'

const asRoot = {skip: process.getuid?.() === 0 ? undefined : 'needs root: the workers drop to nobody'}

/** A data directory inside a root-only directory (like /root/.local/share/decnet), linking the given plugin roots. */
function closedDataDir(t: TestContext, pluginRoots: string[]): {base: string; dir: string; env: NodeJS.ProcessEnv} {
  const base = mkdtempSync('/tmp/decnet-closed-')
  chmodSync(base, 0o700)
  t.after(() => rmSync(base, {force: true, recursive: true}))
  const dir = join(base, 'data')
  mkdirSync(dir, {mode: 0o755})
  const plugins = pluginRoots.map((root: string) => ({name: root.split('/').at(-1), root, type: 'link'}))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({dependencies: {}, name: 'decnet', oclif: {plugins, schema: 1}, private: true}))
  return {base, dir, env: {...dataDirEnv(dir), OCLIF_COLUMNS: '2000'}}
}

describe('database access is checked only for workers that use it (as root)', asRoot, () => {
  it('the plugin guide: fleet sample --user nobody runs with the default database where nobody cannot go (it used to exit 10)', async (t) => {
    const {env} = closedDataDir(t, [join(FIXTURE_PLUGINS, 'decnet-plugin-sample')])
    const run = await runDecnet(t, ['fleet', 'sample', '--once', '--user', 'nobody'], {env})
    assert.equal(run.code, EXIT.OK, run.stderr)
    assert.match(run.stdout, /^alpha \| idle worker alpha of fleet sample is up/m)
    assert.doesNotMatch(run.stderr, /cannot enter/)
  })

  it('a fleet whose workers declare usesDatabase (heavy) is still refused there, naming them, with exit 10', async (t) => {
    const {base, env} = closedDataDir(t, [])
    const run = await runDecnet(t, ['fleet', 'heavy', '--once', '--user', 'nobody'], {env})
    assert.equal(run.code, 10, run.stderr)
    assert.match(unwrap(run.stderr), new RegExp(`user nobody cannot enter directory ${base} .*: workers profiler, ttp could not open it`))
  })

  it('a worker module nobody cannot read is a permission problem naming the directory, not "not found" (exit 4)', async (t) => {
    const {base, env} = closedDataDir(t, [])
    const plugin = join(base, 'decnet-plugin-sample')
    cpSync(join(FIXTURE_PLUGINS, 'decnet-plugin-sample'), plugin, {recursive: true})
    const pjson = JSON.stringify({dependencies: {}, name: 'decnet', oclif: {plugins: [{name: 'decnet-plugin-sample', root: plugin, type: 'link'}], schema: 1}, private: true})
    writeFileSync(join(base, 'data', 'package.json'), pjson)
    const run = await runDecnet(t, ['fleet', 'sample', '--once', '--user', 'nobody'], {env})
    assert.equal(run.code, 4, run.stderr + run.stdout)
    const output = unwrap(run.stdout + run.stderr)
    assert.match(output, new RegExp(`module ${plugin}/workers/idle\\.js cannot be read by uid 65534: permission denied on ${base} \\(a permission problem, not a missing file`))
    assert.doesNotMatch(output, /not found/)
  })
})

describe('built-in fleets win over a plugin that defines the same name', () => {
  it('heavy stays the built-in one; the plugin gets a warning naming it; its other fleets work', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-heavy'])
    const list = await runDecnet(t, ['fleet', 'list', '--json'], {env})
    assert.equal(list.code, EXIT.OK, list.stderr)
    const catalog = JSON.parse(list.stdout)
    const heavy = catalog.fleets.find((f: {name: string}) => f.name === 'heavy')
    assert.equal(heavy.plugin, 'decnet')
    assert.deepEqual(heavy.workers.map((w: {name: string}) => w.name), ['profiler', 'ttp', 'webhook'])
    assert.ok(catalog.fleets.some((f: {name: string}) => f.name === 'heavy-extra'))
    assert.deepEqual(catalog.problems, [
      {fleet: 'heavy', message: "a fleet built into decnet has this name: this plugin's definition is ignored; rename it", plugin: 'decnet-plugin-heavy'},
    ])
  })

  it('decnet fleet heavy runs the built-in workers and warns about the plugin (it used to refuse both, exit 2)', asRoot, async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-heavy'])
    const run = await runDecnet(t, ['fleet', 'heavy', '--once', '--user', 'nobody'], {env})
    assert.equal(run.code, EXIT.OK, run.stderr)
    assert.match(unwrap(run.stderr), /Warning: plugin decnet-plugin-heavy, fleet 'heavy': a fleet built into decnet has this name: this plugin's definition is ignored; rename it/)
    assert.match(run.stdout, /worker profiler ready/)
    assert.doesNotMatch(run.stdout, /impostor/)
  })
})

/** The fleet of a validation that passed (failing the test, with the problem, if it did not). */
function validFleet(validation: FleetValidation): ValidFleet {
  assert.ok(validation.ok, validation.ok ? '' : validation.message)
  return validation.fleet
}

/** The problem of a validation that failed (failing the test if it passed). */
function problemOf(validation: FleetValidation): string {
  assert.equal(validation.ok, false, 'the fleet was accepted')
  return validation.message
}

describe('usesDatabase in a fleet definition', () => {
  it('is optional, true or false; anything else is a problem naming the worker', () => {
    const module = join(FIXTURE_PLUGINS, 'decnet-plugin-sample', 'workers', 'idle.js')
    const fleet = (usesDatabase: unknown): unknown => ({description: 'd', name: 'f', profile: 'database', workers: [{module, name: 'w', needs: 'database', usesDatabase}]})
    assert.equal(validFleet(validateFleet(fleet(true), 0, {pluginRoot: '/', reserved: new Set()})).workers[0]?.usesDatabase, true)
    assert.equal(validFleet(validateFleet(fleet(false), 0, {pluginRoot: '/', reserved: new Set()})).workers[0]?.usesDatabase, undefined)
    assert.equal(validateFleet(fleet(undefined), 0, {pluginRoot: '/', reserved: new Set()}).ok, true)
    assert.match(problemOf(validateFleet(fleet('yes'), 0, {pluginRoot: '/', reserved: new Set()})), /worker 'w': usesDatabase must be true or false \(got .*yes/)
  })
})
