// Running as root, decnet must not load plugins from a data directory or plugin list another user can write: such a
// user could otherwise link a plugin whose hooks run as root on the next `decnet` command (any command: oclif runs
// every plugin's init hook). The decnet-plugin-marker fixture plays that plugin and records who ran it.
import assert from 'node:assert/strict'
import {chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {Config} from '@oclif/core'

import {decnetDataDir, pluginListRefusal} from '../../src/cli/plugin-list-trust.js'
import {FIXTURE_PLUGINS, REPO, dataDirEnv, runDecnet} from '../helpers/decnet-cli.js'

const NOBODY = 65534
const asRoot = {skip: process.getuid?.() === 0 ? undefined : 'needs root: the test plays root and a hostile user (nobody)'}

/** A root-owned 0755 data directory under /tmp whose plugin list links the marker plugin; the marker file beside it. */
function setup(t: TestContext) {
  const base = mkdtempSync('/tmp/decnet-trust-')
  chmodSync(base, 0o755)
  t.after(() => rmSync(base, {force: true, recursive: true}))
  const dir = join(base, 'data')
  mkdirSync(dir, {mode: 0o755})
  const pjson = join(dir, 'package.json')
  const plugins = [{name: 'decnet-plugin-marker', root: join(FIXTURE_PLUGINS, 'decnet-plugin-marker'), type: 'link'}]
  writeFileSync(pjson, JSON.stringify({dependencies: {}, name: 'decnet', oclif: {plugins, schema: 1}, private: true}), {mode: 0o644})
  chmodSync(pjson, 0o644)
  const marker = join(base, 'marker')
  const list = () => runDecnet(t, ['fleet', 'list'], {env: {...dataDirEnv(dir), DECNET_TEST_MARKER: marker}})
  const ranAs = () => (existsSync(marker) ? readFileSync(marker, 'utf8') : '')
  return {base, dir, list, marker, pjson, ranAs}
}

const flat = (text: string): string => text.replaceAll(/\s*\n\s*(›\s*)?/g, ' ')

describe('plugin list trust (as root)', asRoot, () => {
  it('loads the plugins of a root-owned data directory (the marker proves the fixture runs)', async (t) => {
    const {list, ranAs} = setup(t)
    const run = await list()
    assert.equal(run.code, 0, run.stderr)
    assert.match(ranAs(), /^uid 0$/m)
    assert.doesNotMatch(run.stderr, /refusing/)
  })

  it('refuses a data directory another user owns (what `chown -R nobody: <data dir>` made): no plugin code runs, built-ins still work', async (t) => {
    const {dir, list, pjson, ranAs} = setup(t)
    chownSync(dir, NOBODY, NOBODY)
    chownSync(pjson, NOBODY, NOBODY)
    const run = await list()
    assert.equal(run.code, 0, run.stderr)
    assert.equal(ranAs(), '', 'the plugin ran as root')
    assert.match(run.stdout, /^heavy /m)
    const warning = flat(run.stderr)
    assert.match(warning, new RegExp(`refusing to load plugins from ${pjson} as root: ${dir} belongs to uid ${NOBODY} \\(mode 0755\\), so another user could make root run its code`))
    assert.match(warning, new RegExp(`chown root: ${dir} && chmod go-w ${dir}`))
    assert.match(warning, new RegExp(`--user needs only the database's directory \\(${dir}/db\\)`))
  })

  it('refuses a plugin list another user owns, or may write (world, or a group that is not root)', async (t) => {
    const {list, pjson, ranAs} = setup(t)
    chownSync(pjson, NOBODY, NOBODY)
    assert.match(flat((await list()).stderr), new RegExp(`${pjson} belongs to uid ${NOBODY}`))
    chownSync(pjson, 0, 0)
    chmodSync(pjson, 0o666)
    assert.match(flat((await list()).stderr), new RegExp(`${pjson} is writable by every user \\(mode 0666\\)`))
    chmodSync(pjson, 0o664)
    chownSync(pjson, 0, NOBODY)
    assert.match(flat((await list()).stderr), new RegExp(`${pjson} is writable by group ${NOBODY} \\(mode 0664\\)`))
    assert.equal(ranAs(), '')
    chownSync(pjson, 0, 0)
    const fine = await list()
    assert.doesNotMatch(fine.stderr, /refusing/, 'group-writable by root\'s own group is fine')
    assert.match(ranAs(), /uid 0/)
  })

  it('refuses a data directory reached through a symlink to another user\'s directory, naming the real path', async (t) => {
    const {base, dir, marker, ranAs} = setup(t)
    chownSync(dir, NOBODY, NOBODY)
    const link = join(base, 'link')
    symlinkSync(dir, link)
    const run = await runDecnet(t, ['fleet', 'list'], {env: {...dataDirEnv(link), DECNET_TEST_MARKER: marker}})
    assert.match(flat(run.stderr), new RegExp(`refusing to load plugins from ${link}/package.json as root: ${dir} belongs to uid ${NOBODY}`))
    assert.equal(ranAs(), '')
  })

  it('refuses when a directory above the data directory belongs to another user (it could swap the data directory)', async (t) => {
    const {base, list, ranAs} = setup(t)
    chownSync(base, NOBODY, NOBODY)
    assert.match(flat((await list()).stderr), new RegExp(`: ${base} belongs to uid ${NOBODY}`))
    assert.equal(ranAs(), '')
  })

  it('refuses a plugin linked from a directory another user owns (its package.json names the hooks root runs)', async (t) => {
    const {base, dir, list, pjson, ranAs} = setup(t)
    const copy = join(base, 'alices-plugin')
    cpSync(join(FIXTURE_PLUGINS, 'decnet-plugin-marker'), copy, {recursive: true})
    chmodSync(copy, 0o755)
    const plugins = [{name: 'decnet-plugin-marker', root: copy, type: 'link'}]
    writeFileSync(pjson, JSON.stringify({dependencies: {}, name: 'decnet', oclif: {plugins, schema: 1}, private: true}))
    assert.match((await list()).stdout, /^heavy /m)
    assert.match(ranAs(), /^uid 0$/m, 'a root-owned copy loads')
    rmSync(join(base, 'marker'))

    chownSync(join(copy, 'package.json'), NOBODY, NOBODY)
    const run = await list()
    assert.equal(run.code, 0, run.stderr)
    assert.equal(ranAs(), '', 'the plugin ran as root')
    const warning = flat(run.stderr)
    assert.match(warning, new RegExp(`refusing to load plugins from ${dir}/package.json as root: the linked plugin decnet-plugin-marker lives in ${copy}, and ${copy}/package.json belongs to uid ${NOBODY}`))
    assert.match(warning, /or unlink it \(decnet plugins unlink decnet-plugin-marker\)/)

    chownSync(join(copy, 'package.json'), 0, 0)
    chmodSync(copy, 0o777)
    assert.match(flat((await list()).stderr), new RegExp(`and ${copy} is writable by every user \\(mode 0777\\)`))
    assert.equal(ranAs(), '')
  })

  it('refuses node_modules (installed plugins) that another user owns, with a recursive fix', async (t) => {
    const {dir, list, ranAs} = setup(t)
    mkdirSync(join(dir, 'node_modules'))
    chownSync(join(dir, 'node_modules'), NOBODY, NOBODY)
    assert.match(flat((await list()).stderr), new RegExp(`chown -R root: ${dir}/node_modules && chmod -R go-w ${dir}/node_modules`))
    assert.equal(ranAs(), '')
  })

  it('does not judge an ordinary user\'s own data directory: nobody loads the plugins it linked itself', async (t) => {
    const {base, dir, marker, pjson} = setup(t)
    chownSync(dir, NOBODY, NOBODY)
    chownSync(pjson, NOBODY, NOBODY)
    chownSync(base, NOBODY, NOBODY)
    const run = await runDecnet(t, ['fleet', 'list'], {env: {...dataDirEnv(dir), DECNET_TEST_MARKER: marker}, gid: NOBODY, uid: NOBODY})
    assert.equal(run.code, 0, run.stderr)
    assert.doesNotMatch(run.stderr, /refusing/)
    assert.match(readFileSync(marker, 'utf8'), new RegExp(`uid ${NOBODY}`))
  })
})

describe('plugin list trust (any user)', () => {
  it("computes decnet's data directory as oclif does (the check must run before oclif loads plugins)", async () => {
    const saved = {DECNET_DATA_DIR: process.env.DECNET_DATA_DIR, HOME: process.env.HOME, XDG_DATA_HOME: process.env.XDG_DATA_HOME}
    const cases = [
      {DECNET_DATA_DIR: '/srv/decnet-data', HOME: '/home/op', XDG_DATA_HOME: '/xdg'},
      {DECNET_DATA_DIR: undefined, HOME: '/home/op', XDG_DATA_HOME: '/xdg'},
      {DECNET_DATA_DIR: undefined, HOME: '/home/op', XDG_DATA_HOME: undefined},
    ]
    try {
      for (const env of cases) {
        for (const [key, value] of Object.entries(env)) {
          if (value === undefined) delete process.env[key]
          else process.env[key] = value
        }

        const config = await Config.load({root: REPO, userPlugins: false})
        assert.equal(decnetDataDir(process.env), config.dataDir, JSON.stringify(env))
      }
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
    }
  })

  it('never refuses an ordinary user, nor a data directory that does not exist', () => {
    assert.equal(pluginListRefusal('/no/such/decnet-data', 0), undefined)
    assert.equal(pluginListRefusal('/tmp', 1000), undefined)
  })
})
