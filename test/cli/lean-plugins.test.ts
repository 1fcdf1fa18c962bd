// The lean path of `decnet fleet NAME` finds the plugins and their fleets without oclif
// (src/cli/lean-plugins.ts): pinned here to what oclif's own Config.load finds, on the real
// fixture plugins, and to the cases where it must leave the command to oclif.
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {it, type TestContext} from 'node:test'
import {fileURLToPath} from 'node:url'

import {Config} from '@oclif/core/config'
import {settings} from '@oclif/core/settings'

import {findLeanPlugins} from '../../src/cli/lean-plugins.js'
import {loadFleetCatalog} from '../../src/fleets/registry.js'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURES = join(REPO, 'test', 'fixtures', 'plugins')

// as bin/run.js sets it
settings.enableAutoTranspile = false

/** A data directory whose package.json lists `plugins` as `decnet plugins link` does. */
function dataDir(t: TestContext, plugins: string[], extra: object[] = []): string {
  const dir = mkdtempSync('/tmp/decnet-lean-plugins-')
  chmodSync(dir, 0o755)
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const linked = [...plugins.map((name) => ({name, root: join(FIXTURES, name), type: 'link'})), ...extra]
  writeFileSync(join(dir, 'package.json'), JSON.stringify({dependencies: {}, name: 'decnet', oclif: {plugins: linked, schema: 1}, private: true}))
  return dir
}

async function oclifConfig(dir: string, userPlugins = true): Promise<Config> {
  const saved = process.env.DECNET_DATA_DIR
  process.env.DECNET_DATA_DIR = dir
  try {
    return await Config.load({root: join(REPO, 'bin', 'run.js'), userPlugins})
  } finally {
    if (saved === undefined) delete process.env.DECNET_DATA_DIR
    else process.env.DECNET_DATA_DIR = saved
  }
}

function lean(dir: string, userPlugins = true) {
  return findLeanPlugins({dataDir: dir, hookConfig: {bin: 'decnet', cacheDir: dir, configDir: dir}, root: REPO, userPlugins})
}

const SETS: Array<[string, string[]]> = [
  ['no plugins', []],
  ['one working plugin', ['decnet-plugin-probe']],
  ['broken plugins beside working ones', ['decnet-plugin-sample', 'decnet-plugin-throws', 'decnet-plugin-garbage', 'decnet-plugin-missing', 'decnet-plugin-mixed']],
  ['duplicates and reserved names', ['decnet-plugin-duplicate', 'decnet-plugin-reserved', 'decnet-plugin-heavy', 'decnet-plugin-sample']],
]

for (const [what, plugins] of SETS) {
  it(`finds the plugins, commands and fleets oclif finds: ${what}`, async (t) => {
    const dir = dataDir(t, plugins)
    const config = await oclifConfig(dir)
    const host = lean(dir)
    assert.ok(host, 'the lean path takes these plugins')
    const describe = (list: ReadonlyArray<{name: string; root: string; hooks: object}>) =>
      list.map((p) => ({hooks: p.hooks, name: p.name, root: p.root})).sort((a, b) => a.name.localeCompare(b.name))
    assert.deepEqual(describe(host.getPluginsList()), describe(config.getPluginsList()))
    const oclifIds = config.commands.flatMap((c) => [c.id, ...(c.aliases ?? []), ...(c.hiddenAliases ?? [])])
    assert.deepEqual([...host.commandIDs].sort(), [...new Set(oclifIds)].sort())
    assert.equal(host.name, config.name)
    assert.deepEqual(await loadFleetCatalog(host, {timeoutMs: 2000}), await loadFleetCatalog(config, {timeoutMs: 2000}))
  })
}

it('a hook that outlives its time fails the same way on both paths', async (t) => {
  const dir = dataDir(t, ['decnet-plugin-stalls', 'decnet-plugin-probe'])
  const host = lean(dir)
  assert.ok(host)
  const [leanCatalog, oclifCatalog] = [await loadFleetCatalog(host, {timeoutMs: 300}), await loadFleetCatalog(await oclifConfig(dir), {timeoutMs: 300})]
  assert.ok(leanCatalog.problems.some((p) => /timed out/.test(p.message)), JSON.stringify(leanCatalog.problems))
  assert.deepEqual(leanCatalog, oclifCatalog)
})

it('without the user plugins (root refused the list) it finds what oclif finds with userPlugins: false', async (t) => {
  const dir = dataDir(t, ['decnet-plugin-probe'])
  const host = lean(dir, false)
  assert.ok(host)
  const config = await oclifConfig(dir, false)
  assert.deepEqual(host.getPluginsList().map((p) => p.name).sort(), config.getPluginsList().map((p) => p.name).sort())
  assert.ok(!host.getPluginsList().some((p) => p.name === 'decnet-plugin-probe'))
})

it('leaves the command to oclif for a plugin with an init hook, one it cannot find, or a plugin list it cannot read', async (t) => {
  assert.equal(lean(dataDir(t, ['decnet-plugin-marker', 'decnet-plugin-probe'])), undefined, 'init hook')
  assert.equal(lean(dataDir(t, [], [{name: 'decnet-plugin-nowhere', root: '/nonexistent/decnet-plugin-nowhere', type: 'link'}])), undefined, 'missing root')
  const broken = dataDir(t, [])
  writeFileSync(join(broken, 'package.json'), '{"oclif": ')
  assert.equal(lean(broken), undefined, 'unreadable plugin list')
})
