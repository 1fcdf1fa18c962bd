// `decnet fleet list`, `decnet fleet --help` / `decnet help fleet`, and `decnet plugins link`,
// through the real CLI with fixture plugins.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {EXIT, FIXTURE_PLUGINS, linkedDataDir, runDecnet} from '../helpers/decnet-cli.js'

/** What `decnet fleet list --json` prints. */
interface FleetCatalog {
  fleets: Array<{name: string; plugin?: string; profile: string; workers: Array<{exportName: string; name: string; needs: string}>}>
  problems: Array<{fleet?: string; message: string; plugin: string}>
}

const BROKEN = ['decnet-plugin-throws', 'decnet-plugin-garbage', 'decnet-plugin-mixed', 'decnet-plugin-reserved', 'decnet-plugin-missing']

describe('decnet plugins link', () => {
  it('links the sample plugin into DECNET_DATA_DIR, and its fleet shows up', async (t) => {
    const {dir, env} = linkedDataDir(t, [])
    const root = join(FIXTURE_PLUGINS, 'decnet-plugin-sample')
    const link = await runDecnet(t, ['plugins', 'link', root, '--no-install'], {env})
    assert.equal(link.code, EXIT.OK, link.stderr)
    const pjson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    assert.deepEqual(pjson.oclif.plugins, [{name: 'decnet-plugin-sample', root, type: 'link'}])

    const list = await runDecnet(t, ['fleet', 'list', '--json'], {env})
    assert.equal(list.code, EXIT.OK, list.stderr)
    const sample = (JSON.parse(list.stdout) as FleetCatalog).fleets.find((f) => f.name === 'sample')
    assert.equal(sample?.plugin, 'decnet-plugin-sample')
    assert.doesNotMatch(list.stderr, /auto-transpiled/, 'a linked plain-JS plugin is used as is, without a warning')
  })
})

describe('decnet fleet list', () => {
  it('--json lists plugin fleets with workers, profile and plugin, and the broken plugins with why', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-rootly', ...BROKEN])
    const {code, stderr, stdout} = await runDecnet(t, ['fleet', 'list', '--json'], {env})
    assert.equal(code, EXIT.OK, stderr)
    const catalog = JSON.parse(stdout) as FleetCatalog
    const names = catalog.fleets.map((f) => f.name)
    assert.deepEqual(names, [...names].sort())
    const sample = catalog.fleets.find((f) => f.name === 'sample')
    assert.deepEqual(
      {plugin: sample?.plugin, profile: sample?.profile, workers: sample?.workers.map((w) => [w.name, w.needs, w.exportName])},
      {plugin: 'decnet-plugin-sample', profile: 'database', workers: [['alpha', 'database', 'default'], ['beta', 'database', 'default']]},
    )
    assert.equal(catalog.fleets.find((f) => f.name === 'rootly')?.profile, 'root')
    const problem = (plugin: string) => catalog.problems.find((p) => p.plugin === plugin)
    assert.equal(problem('decnet-plugin-throws')?.message, 'hook failed: the fleet catalogue is on fire')
    assert.match(String(problem('decnet-plugin-garbage')?.message), /not an array of fleet definitions/)
    assert.match(String(problem('decnet-plugin-mixed')?.message), /union of the master's privileges/)
    assert.equal(problem('decnet-plugin-reserved')?.fleet, 'list')
    assert.match(String(problem('decnet-plugin-missing')?.message), /module \.\/workers\/ghost\.js not found/)
  })

  it('prints every fleet and then the problems for people', async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-throws'])
    const {code, stderr, stdout} = await runDecnet(t, ['fleet', 'list'], {env})
    assert.equal(code, EXIT.OK, stderr)
    assert.match(stdout, /^sample {2}\(profile database, plugin decnet-plugin-sample\)\n {2}Two idle workers from the sample plugin\n {2}workers \(2\):\n {4}alpha {2}workers\/idle\.js#default {2}restart on-failure {2}options \{"greeting":"hello"\}$/m)
    assert.match(stdout, /^problems \(these plugins or fleets are not usable\):\n(?: {2}.*\n)* {2}plugin decnet-plugin-throws: hook failed: the fleet catalogue is on fire$/m)
  })

  it('finishes long before a hung hook would, naming it; a hook that never settles does not cut it short', {timeout: 60_000}, async (t) => {
    const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-hangs', 'decnet-plugin-stalls'])
    const {code, stderr, stdout} = await runDecnet(t, ['fleet', 'list', '--json'], {env, timeoutMs: 50_000})
    assert.equal(code, EXIT.OK, stderr)
    const catalog = JSON.parse(stdout) as FleetCatalog
    assert.ok(catalog.fleets.some((f) => f.name === 'sample'))
    for (const plugin of ['decnet-plugin-hangs', 'decnet-plugin-stalls']) {
      assert.deepEqual(catalog.problems.find((p) => p.plugin === plugin), {message: 'hook timed out after 5000 ms', plugin})
    }
  })
})

describe('help for decnet fleet', () => {
  for (const argv of [['fleet', '--help'], ['help', 'fleet']]) {
    it(`\`decnet ${argv.join(' ')}\` lists the fleets available now, with profile and plugin, and warns about broken plugins`, async (t) => {
      const {env} = linkedDataDir(t, ['decnet-plugin-sample', 'decnet-plugin-rootly', 'decnet-plugin-throws', 'decnet-plugin-mixed'])
      const {code, stderr, stdout} = await runDecnet(t, argv, {env})
      assert.equal(code, EXIT.OK, stderr)
      assert.match(stdout, /^USAGE\n {2}\$ decnet fleet NAME/m)
      assert.match(stdout, /^ +--once +Every worker does one pass/m)
      // Help wraps to the terminal width; compare with whitespace collapsed.
      const section = stdout.slice(stdout.indexOf('\nAVAILABLE FLEETS (')).replaceAll(/\s+/g, ' ')
      const fleets = section.slice(0, section.indexOf('PLUGIN PROBLEMS'))
      assert.match(fleets, / rootly root decnet-plugin-rootly A fleet that needs root sample database decnet-plugin-sample Two idle workers from the sample plugin /)
      const problems = section.slice(section.indexOf('PLUGIN PROBLEMS'))
      assert.match(problems, /warning: plugin decnet-plugin-throws: hook failed: the fleet catalogue is on fire/)
      assert.match(problems, /warning: plugin decnet-plugin-mixed, fleet 'mixed': fleet mixes privilege profiles/)
    })
  }

  it('shows only what is linked in this data dir (computed at help time, not frozen in the manifest)', async (t) => {
    const {env} = linkedDataDir(t, [])
    const {code, stdout} = await runDecnet(t, ['fleet', '--help'], {env})
    assert.equal(code, EXIT.OK)
    assert.match(stdout, /AVAILABLE FLEETS/)
    assert.doesNotMatch(stdout, /decnet-plugin-sample/)
  })
})
