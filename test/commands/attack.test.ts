// `decnet attack import` and `decnet attack show` as real processes, and the ttp worker
// tagging with an imported release (tags record it), on both databases.
import assert from 'node:assert/strict'
import {lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {parseDatabaseUrl} from '../../src/db/url.js'
import {importedCatalogPath} from '../../src/ttp/catalog-store.js'
import {ATTACK_CATALOG_ENV} from '../../src/ttp/attack-catalog.js'
// from dist/: the worker loads its rules in a process that runs rules-child.js next to its module, which src/ does not have
import ttp from '../../dist/workers/ttp/worker.js'
import {dataDirEnv} from '../helpers/decnet-cli.js'
import {DATABASE_KINDS, migratedDatabase, skipReason, useDatabaseUrl} from '../helpers/databases.js'
import {runCli} from '../helpers/run-cli.js'
import {shippedCatalogData, stixBundle} from '../helpers/stix-bundle.js'
import {commandLog, insertLogs, readTags} from '../helpers/ttp-logs.js'

const V19 = {revoke: [{by: {id: 'T1685', name: 'Disable or Modify Tools'}, id: 'T1562.001'}], version: '19.0'}

interface Run {
  code: number
  stdout: string
  stderr: string
}

function tempDir(t: TestContext, prefix = 'decnet-attack-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

/** A data directory for decnet and a v19 bundle file to import. */
function setup(t: TestContext): {data: string; env: Record<string, string>; bundle: string} {
  const data = tempDir(t)
  const bundle = join(tempDir(t, 'decnet-bundle-'), 'enterprise-attack-19.0.json')
  writeFileSync(bundle, JSON.stringify(stixBundle(shippedCatalogData(), V19)))
  return {bundle, data, env: {...dataDirEnv(data), [ATTACK_CATALOG_ENV]: ''}}
}

/** Runs decnet; stderr with oclif's wrapping of long errors undone. */
async function decnet(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  const run = (await runCli(args, {env, input})) as Run
  return {...run, stderr: run.stderr.replaceAll(/\s*\n ›\s+/g, ' ')}
}

describe('decnet attack import', () => {
  it('makes a STIX bundle the catalog in use: show, rules list and rules check use it', async (t) => {
    const {bundle, data, env} = setup(t)
    const imported = await decnet(['attack', 'import', bundle, '--json'], env)
    assert.equal(imported.code, 0, imported.stderr)
    const result = JSON.parse(imported.stdout)
    assert.equal(result.version, '19.0')
    assert.equal(result.path, importedCatalogPath(data))
    assert.equal(result.techniques, 836)
    assert.equal(statSync(result.path).mode & 0o777, 0o644)
    assert.match(readFileSync(join(data, 'attack', 'LICENSE-ATTACK.txt'), 'utf8'), /MITRE/)
    assert.deepEqual(readdirSync(join(data, 'attack')).sort(), ['LICENSE-ATTACK.txt', 'enterprise-attack.json'], 'no temporary file left')

    const show = await decnet(['attack', 'show', 'T1562.001', '--json'], env)
    assert.equal(show.code, 0, show.stderr)
    const report = JSON.parse(show.stdout)
    assert.equal(report.attackVersion, '19.0')
    assert.equal(report.revoked, true)
    assert.deepEqual(report.replacedBy, {id: 'T1685', name: 'Disable or Modify Tools'})

    const check = await decnet(['rules', 'check'], env)
    assert.equal(check.code, 0, check.stderr)
    assert.match(check.stdout, /warning: .*defense-evasion\.json \(rule defense-evasion\.disable-security-tools\): emits T1562\.001 \(Impair Defenses: Disable or Modify Tools\), revoked in ATT&CK 19\.0 by T1685/)
    assert.match(check.stdout, /rules loaded \(ATT&CK 19\.0\): 0 refused, [1-9]\d* warnings/)

    const list = await decnet(['rules', 'list', '--json'], env)
    const tools = JSON.parse(list.stdout).find((rule: {id: string}) => rule.id === 'defense-evasion.disable-security-tools')
    assert.deepEqual(tools.techniques, ['T1685'])
  })

  it('refuses a file that is not an ATT&CK bundle (exit 2) and leaves the catalog in use as it was', async (t) => {
    const {bundle, data, env} = setup(t)
    assert.equal((await decnet(['attack', 'import', bundle], env)).code, 0)
    const before = readFileSync(importedCatalogPath(data), 'utf8')
    const bad = join(tempDir(t), 'enterprise-attack-20.0.json')
    writeFileSync(bad, JSON.stringify({objects: [], type: 'bundle'}))
    const refused = await decnet(['attack', 'import', bad], env)
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /the bundle holds no ATT&CK tactics/)
    assert.match(refused.stderr, /enterprise-attack-20\.0\.json/)
    assert.equal(readFileSync(importedCatalogPath(data), 'utf8'), before)
    const missing = await decnet(['attack', 'import', join(data, 'nope.json')], env)
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /nope\.json: cannot be read: ENOENT/)
  })

  it('never writes through a symbolic link in the data directory', async (t) => {
    const {bundle, data, env} = setup(t)
    const elsewhere = tempDir(t)
    symlinkSync(elsewhere, join(data, 'attack'))
    const refused = await decnet(['attack', 'import', bundle], env)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /expected a directory, found a symbolic link/)
    assert.deepEqual(readdirSync(elsewhere), [])

    rmSync(join(data, 'attack'))
    mkdirSync(join(data, 'attack'))
    const target = join(elsewhere, 'victim.json')
    writeFileSync(target, 'untouched')
    symlinkSync(target, importedCatalogPath(data))
    const replaced = await decnet(['attack', 'import', bundle], env)
    assert.equal(replaced.code, 0, replaced.stderr)
    assert.equal(readFileSync(target, 'utf8'), 'untouched')
    assert.ok(lstatSync(importedCatalogPath(data)).isFile(), 'the link itself was replaced by the catalog')
  })
})

describe('decnet attack show', () => {
  it('shows name, tactics, URL and groups; an unknown id exits 11', async (t) => {
    const {env} = setup(t)
    const shown = await decnet(['attack', 'show', 't1059.004'], env)
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /^T1059\.004 {2}Command and Scripting Interpreter: Unix Shell\n/)
    assert.match(shown.stdout, /tactics: {3}TA0002 Execution/)
    assert.match(shown.stdout, /url: {7}https:\/\/attack\.mitre\.org\/techniques\/T1059\/004/)
    assert.match(shown.stdout, /G0139 {2}TeamTNT/)
    assert.match(shown.stdout, /Attackers decnet saw using it \(0\):\n {2}none/)
    const unknown = await decnet(['attack', 'show', 'T9999'], env)
    assert.equal(unknown.code, 11)
    assert.match(unknown.stderr, /ATT&CK 18\.1 has no technique `T9999`/)
  })

  for (const kind of DATABASE_KINDS) {
    it(`lists the attackers the ttp worker tagged, with an imported release recorded on the tags (${kind})`, {skip: skipReason(kind), timeout: 120_000}, async (t) => {
      const {bundle, data, env} = setup(t)
      assert.equal((await decnet(['attack', 'import', bundle], env)).code, 0)
      const migrated = await migratedDatabase(kind, t)
      if (migrated === undefined) return // skipped: PostgreSQL unavailable
      const {db, url} = migrated
      useDatabaseUrl(t, url)
      await insertLogs(db, [
        commandLog('203.0.113.7', 0, 'setenforce 0; bash -i'),
        commandLog('203.0.113.7', 1, 'sh x.sh'),
        commandLog('198.51.100.2', 2, 'sh y.sh'),
        commandLog('198.51.100.2', 3, 'uname -a'),
      ])
      const previous = process.env[ATTACK_CATALOG_ENV]
      process.env[ATTACK_CATALOG_ENV] = importedCatalogPath(data) // what `decnet fleet` passes its workers
      t.after(() => (previous === undefined ? delete process.env[ATTACK_CATALOG_ENV] : (process.env[ATTACK_CATALOG_ENV] = previous)))
      const controller = new AbortController()
      await ttp({database: parseDatabaseUrl(url), debug() {}, fleet: 'heavy', name: 'ttp', once: true, options: {}, ready() {}, signal: controller.signal})
      const tags = (await readTags(db)) as Array<{attack_version: string; sub_technique_id: null | string; technique_id: string}>
      assert.ok(tags.length >= 4)
      assert.ok(tags.every((tag) => tag.attack_version === '19.0'))
      assert.ok(tags.some((tag) => tag.technique_id === 'T1685'), 'setenforce 0 tagged with the successor of T1562.001')

      const shown = await decnet(['attack', 'show', 'T1059.004', '--db', url, '--json'], env)
      assert.equal(shown.code, 0, shown.stderr)
      const report = JSON.parse(shown.stdout)
      assert.deepEqual(report.attackers.map((attacker: {ip: string; events: number}) => [attacker.ip, attacker.events]), [['203.0.113.7', 2], ['198.51.100.2', 1]])
      const parent = JSON.parse((await decnet(['attack', 'show', 'T1082', '--db', url, '--json'], env)).stdout)
      assert.deepEqual(parent.attackers.map((attacker: {ip: string}) => attacker.ip), ['198.51.100.2'])
      const text = await decnet(['attack', 'show', 'T1685', '--db', url], env)
      assert.match(text.stdout, /Attackers decnet saw using it \(1\):\n {2}203\.0\.113\.7 +1 events/)
    })
  }
})
