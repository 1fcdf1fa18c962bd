// Following decnet's own advice must not hand out root. The default database lives in <data dir>/db, a directory
// holding nothing root loads; the `--user` advice hands the workers' user that directory only, never the data
// directory with root's plugin list. A database at the old place (<data dir>/decnet.sqlite) is still used, with a
// warning, and the advice then moves it instead of handing over the data directory.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {REPO, dataDirEnv, runDecnet} from '../helpers/decnet-cli.js'

const NOBODY = 65534
const asRoot = {skip: process.getuid?.() === 0 ? undefined : 'needs root: the workers drop to nobody, who plays the hostile user'}

/** A root-owned 0755 data directory with a plugin list, as `decnet plugins link` leaves it, and a log to ingest. */
function setup(t: TestContext) {
  const base = mkdtempSync('/tmp/decnet-layout-')
  chmodSync(base, 0o755)
  t.after(() => rmSync(base, {force: true, recursive: true}))
  const dir = join(base, 'data')
  mkdirSync(dir, {mode: 0o755})
  const pjson = join(dir, 'package.json')
  writeFileSync(pjson, JSON.stringify({dependencies: {}, name: 'decnet', oclif: {plugins: [], schema: 1}, private: true}))
  const log = join(REPO, 'samples', 'decnet-sample.log') // 203.0.113.7 brute-forces SSH in it
  // OCLIF_COLUMNS: long lines, so the advice's commands come out unwrapped and can be run as printed
  const env = {...dataDirEnv(dir), OCLIF_COLUMNS: '2000'}
  const decnet = (args: string[]) => runDecnet(t, args, {env})
  return {decnet, dir, log, pjson}
}

/** Can user nobody write `path` (append to a file, or create a file in a directory)? */
function nobodyCanWrite(path: string): boolean {
  const script = `const fs = require('node:fs'); const p = ${JSON.stringify(path)};
    try { fs.statSync(p).isDirectory() ? fs.writeFileSync(p + '/hostile', 'x') : fs.appendFileSync(p, ' '); console.log('yes') } catch { console.log('no') }`
  return spawnSync(process.execPath, ['-e', script], {encoding: 'utf8', gid: NOBODY, uid: NOBODY}).stdout.trim() === 'yes'
}

const owner = (path: string): number => statSync(path).uid
const mode = (path: string): number => statSync(path).mode & 0o7777

describe('the database directory and the --user advice (as root)', asRoot, () => {
  it('on a fresh machine, fleet heavy --user nobody creates <data dir>/db for nobody (0700) and hands over nothing else', async (t) => {
    const {decnet, dir, pjson} = setup(t)
    const run = await decnet(['fleet', 'heavy', '--once', '--user', 'nobody'])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(owner(join(dir, 'db')), NOBODY)
    assert.equal(mode(join(dir, 'db')), 0o700)
    assert.equal(owner(join(dir, 'db', 'decnet.sqlite')), NOBODY)
    assert.equal(mode(join(dir, 'db', 'decnet.sqlite')), 0o600)
    assert.equal(owner(dir), 0)
    assert.equal(nobodyCanWrite(pjson), false)
    assert.equal(nobodyCanWrite(dir), false)
  })

  it('following the advice for a database root created hands nobody the database directory only, never the plugin list', async (t) => {
    const {decnet, dir, log, pjson} = setup(t)
    assert.equal((await decnet(['ingest', log])).code, 0)
    const refused = await decnet(['fleet', 'heavy', '--once', '--user', 'nobody'])
    assert.equal(refused.code, 10, refused.stderr)
    assert.match(refused.stderr, /user nobody cannot (enter directory|read and write) .*\/db/)
    const advice = /\((chown -R nobody: \S+),/.exec(refused.stderr)
    assert.ok(advice, refused.stderr)
    assert.equal(advice[1], `chown -R nobody: ${join(dir, 'db')}`)
    execFileSync('sh', ['-c', advice[1]])

    const ran = await decnet(['fleet', 'heavy', '--once', '--user', 'nobody'])
    assert.equal(ran.code, 0, ran.stderr)
    assert.equal(nobodyCanWrite(pjson), false, 'nobody can rewrite root\'s plugin list')
    assert.equal(nobodyCanWrite(dir), false, 'nobody can add files to the data directory')
    const attackers = await decnet(['attackers', 'show', '203.0.113.7'])
    assert.equal(attackers.code, 0, attackers.stderr)
  })

  it('a database at the old place is still used, with a warning; the advice moves it instead of handing over the data directory', async (t) => {
    const {decnet, dir, log, pjson} = setup(t)
    const legacy = join(dir, 'decnet.sqlite')
    assert.equal((await decnet(['ingest', log, '--db', legacy])).code, 0)
    assert.equal((await decnet(['fleet', 'heavy', '--once', '--allow-root', '--db', legacy])).code, 0)

    const read = await decnet(['attackers', 'show', '203.0.113.7'])
    assert.equal(read.code, 0, read.stderr)
    assert.match(read.stderr, new RegExp(`using the database at its old place ${legacy}, beside decnet's plugin list`))

    const refused = await decnet(['fleet', 'heavy', '--once', '--user', 'nobody'])
    assert.equal(refused.code, 10, refused.stderr)
    assert.doesNotMatch(refused.stderr, new RegExp(`chown -R nobody: ${dir}[ ,)]`), 'the advice hands over the data directory')
    assert.match(refused.stderr, /holds other files \(package\.json[,)].*which nobody must not be given/)
    const advice = /\(with no fleet running: (.*?); the \* takes/.exec(refused.stderr)
    assert.ok(advice, refused.stderr)
    execFileSync('sh', ['-c', advice[1]])

    const ran = await decnet(['fleet', 'heavy', '--once', '--user', 'nobody'])
    assert.equal(ran.code, 0, ran.stderr)
    assert.doesNotMatch(ran.stderr, /old place/)
    assert.equal(existsSync(legacy), false)
    const moved = await decnet(['attackers', 'show', '203.0.113.7'])
    assert.equal(moved.code, 0, `the moved database kept its data: ${moved.stderr}`)
    assert.equal(nobodyCanWrite(pjson), false)
    assert.equal(nobodyCanWrite(dir), false)
  })
})
