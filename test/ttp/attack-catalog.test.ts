// The ATT&CK catalog: the shipped 18.1 file, STIX import (from bundles this test writes),
// and rules checked against a catalog when they load.
import assert from 'node:assert/strict'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, it} from 'node:test'

import {ATTACK_CATALOG_ENV, AttackCatalog, catalogProblem, readCatalog, shippedCatalogPath} from '../../src/ttp/attack-catalog.js'
import {catalogEnv, chooseCatalog, importedCatalogPath, installCatalog} from '../../src/ttp/catalog-store.js'
import {Matcher} from '../../src/ttp/matcher.js'
import {isRuleError, loadRules} from '../../src/ttp/rule-loader.js'
import {catalogFromStix, readStixCatalog, StixBundleError} from '../../src/ttp/stix-catalog.js'
import {techniqueIndex} from '../../src/ttp/technique-check.js'
import {shippedCatalogData, stixBundle} from '../helpers/stix-bundle.js'
import {rule, rulesDir, tempDir} from '../helpers/rule-files.js'

const V19 = {revoke: [{by: {id: 'T1685', name: 'Disable or Modify Tools'}, id: 'T1562.001'}], version: '19.0'}

describe('the shipped catalog', () => {
  it('is ATT&CK 18.1 with every technique, tactic and group, and MITRE\'s license beside it', async () => {
    const catalog = await readCatalog(shippedCatalogPath())
    assert.equal(catalog.version, '18.1')
    assert.equal(catalog.data.techniques.length, 835)
    assert.equal(catalog.data.tactics.length, 14)
    assert.equal(catalog.data.groups.length, 172)
    assert.match(readFileSync(join(dirname(shippedCatalogPath()), 'LICENSE-ATTACK.txt'), 'utf8'), /MITRE/)
    const shell = catalog.technique('t1059.004')!
    assert.equal(shell.name, 'Command and Scripting Interpreter: Unix Shell')
    assert.deepEqual(shell.tactics, ['TA0002'])
    assert.equal(shell.url, 'https://attack.mitre.org/techniques/T1059/004')
    assert.ok(shell.groups.includes('G0139'))
    assert.equal(catalog.group('G0139')?.name, 'TeamTNT')
  })

  it('follows revoked-by links to the technique that stands for a revoked one today', async () => {
    const catalog = await readCatalog(shippedCatalogPath())
    assert.equal(catalog.technique('T1002')?.revoked, true)
    assert.equal(catalog.current('T1002')?.id, 'T1560')
    assert.equal(catalog.current('T1059')?.id, 'T1059')
    assert.equal(catalog.current('T9999'), undefined)
  })

  it('is package data: listed in package.json "files"', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {files: string[]}
    assert.ok(pkg.files.includes('data'))
  })
})

describe('catalogProblem', () => {
  it('refuses broken catalogs with a specific reason', () => {
    const data = shippedCatalogData()
    assert.equal(catalogProblem(data), undefined)
    assert.match(catalogProblem([])!, /JSON object/)
    assert.match(catalogProblem({...data, version: 'latest'})!, /"version"/)
    assert.match(catalogProblem({...data, techniques: []})!, /no techniques/)
    assert.match(catalogProblem({...data, techniques: [...data.techniques, data.techniques[0]]})!, /T1001 appears twice/)
    const dangling = data.techniques.map((technique) => (technique.id === 'T1002' ? {...technique, revokedBy: 'T9999'} : technique))
    assert.match(catalogProblem({...data, techniques: dangling})!, /T1002 is revoked by T9999, which is not in the catalog/)
    const badTactic = data.techniques.map((technique) => (technique.id === 'T1001' ? {...technique, tactics: ['TA9999']} : technique))
    assert.match(catalogProblem({...data, techniques: badTactic})!, /T1001 names an unknown tactic/)
  })

  it('makes readCatalog fail naming the file', async (t) => {
    const dir = tempDir(t)
    writeFileSync(join(dir, 'broken.json'), '{"version": "18.1"')
    await assert.rejects(readCatalog(join(dir, 'broken.json')), {message: new RegExp(`^${join(dir, 'broken.json')}: the ATT&CK catalog is not JSON`), name: 'CatalogError'})
    await assert.rejects(readCatalog(join(dir, 'absent.json')), /cannot be read: ENOENT/)
  })
})

describe('catalogFromStix', () => {
  it('round-trips the shipped catalog through a STIX bundle', () => {
    const data = shippedCatalogData()
    const imported = catalogFromStix(stixBundle(data), 'enterprise-attack-18.1.json')
    assert.equal(imported.version, '18.1')
    assert.deepEqual(imported.tactics, data.tactics)
    assert.deepEqual(imported.groups.map((group) => group.id), data.groups.map((group) => group.id).sort())
    const byId = new Map(imported.techniques.map((technique) => [technique.id, technique]))
    assert.equal(imported.techniques.length, data.techniques.length)
    for (const technique of data.techniques) {
      const mine = byId.get(technique.id)!
      assert.deepEqual({...mine, groups: [...mine.groups].sort()}, {...technique, groups: [...technique.groups].sort()}, technique.id)
    }
  })

  it('reads a new release: its version, revoked techniques and their successors', () => {
    const imported = new AttackCatalog(catalogFromStix(stixBundle(shippedCatalogData(), V19)))
    assert.equal(imported.version, '19.0')
    assert.equal(imported.technique('T1562.001')?.revoked, true)
    assert.equal(imported.technique('T1562.001')?.revokedBy, 'T1685')
    assert.equal(imported.current('T1562.001')?.name, 'Disable or Modify Tools')
    assert.deepEqual(imported.technique('T1685')?.tactics, ['TA0005'])
  })

  it('takes the release from the file name when the bundle has no collection object', () => {
    const bundle = stixBundle(shippedCatalogData(), {noCollection: true})
    assert.equal(catalogFromStix(bundle, 'enterprise-attack-17.0.json').version, '17.0')
    assert.throws(() => catalogFromStix(bundle, 'attack.json'), /cannot tell the ATT&CK release/)
  })

  it('refuses what is not an Enterprise ATT&CK STIX 2.1 bundle', () => {
    const bundle = stixBundle(shippedCatalogData())
    assert.throws(() => catalogFromStix({objects: []}), {message: /expected a STIX bundle/, name: 'StixBundleError'})
    assert.throws(() => catalogFromStix([]), StixBundleError)
    const old = {...bundle, objects: bundle.objects.map((object) => ({...object, spec_version: '2.0'}))}
    assert.throws(() => catalogFromStix(old), /expected STIX 2.1 objects, got spec_version "2.0"/)
    const noPatterns = {...bundle, objects: bundle.objects.filter((object) => object.type !== 'attack-pattern')}
    assert.throws(() => catalogFromStix(noPatterns), /no Enterprise ATT&CK techniques/)
    const noTactics = {...bundle, objects: bundle.objects.filter((object) => object.type !== 'x-mitre-tactic')}
    assert.throws(() => catalogFromStix(noTactics), /no ATT&CK tactics/)
  })

  it('readStixCatalog names the file in every error', async (t) => {
    const dir = tempDir(t)
    writeFileSync(join(dir, 'not-json.json'), '<html>')
    await assert.rejects(readStixCatalog(join(dir, 'not-json.json')), {message: new RegExp(`^${join(dir, 'not-json.json')}: not JSON`)})
    await assert.rejects(readStixCatalog(dir), {message: new RegExp(`^${dir}: expected a file, found a directory`)})
    await assert.rejects(readStixCatalog(join(dir, 'absent.json')), /absent.json: cannot be read: ENOENT/)
    writeFileSync(join(dir, 'enterprise-attack-19.0.json'), JSON.stringify(stixBundle(shippedCatalogData(), {...V19, noCollection: true})))
    assert.equal((await readStixCatalog(join(dir, 'enterprise-attack-19.0.json'))).version, '19.0')
  })
})

describe('rules checked against the catalog', () => {
  it('loads every shipped rule against 18.1 without a problem, and says which release', async () => {
    const {attackVersion, problems, rules} = await loadRules()
    assert.deepEqual(problems, [])
    assert.equal(attackVersion, '18.1')
    assert.ok(rules.length >= 50)
  })

  it('refuses a rule emitting an unknown technique or tactic, naming the rule', async (t) => {
    const dir = rulesDir(t, [
      rule({emits: [{subTechnique: null, tactic: 'TA0002', technique: 'T9999'}], id: 'local.unknown'}),
      rule({emits: [{subTechnique: null, tactic: 'TA0099', technique: 'T1059'}], id: 'local.unknown-tactic'}),
      rule({emits: [{subTechnique: null, tactic: 'TA0007', technique: 'T1059'}], id: 'local.wrong-tactic'}),
      rule({id: 'local.fine'}),
    ])
    const {problems, rules} = await loadRules({operatorDir: dir})
    assert.deepEqual(problems.map((problem) => [problem.rule, problem.message, isRuleError(problem)]), [
      ['local.unknown', 'emits T9999, which ATT&CK 18.1 does not know', true],
      ['local.unknown-tactic', 'emits tactic TA0099, which ATT&CK 18.1 does not know', true],
      ['local.wrong-tactic', 'emits T1059 under tactic TA0007, but in ATT&CK 18.1 it belongs to TA0002', true],
    ])
    assert.ok(rules.some((candidate) => candidate.id === 'local.fine'))
    assert.ok(!rules.some((candidate) => candidate.id.startsWith('local.unknown') || candidate.id === 'local.wrong-tactic'))
  })

  it('keeps a rule emitting a revoked technique working, tagged with its successor, and names it', async (t) => {
    const dir = rulesDir(t, [rule({emits: [{subTechnique: null, tactic: 'TA0010', technique: 'T1002'}], id: 'local.compress'})])
    const {problems, rules} = await loadRules({operatorDir: dir})
    assert.equal(problems.length, 1)
    assert.equal(problems[0].level, 'warning')
    assert.equal(problems[0].rule, 'local.compress')
    assert.match(problems[0].message, /^emits T1002 \(Data Compressed\), revoked in ATT&CK 18\.1 by T1560 \(Archive Collected Data\): tagged as T1560 under TA0009; update the rule$/)
    const loaded = rules.find((candidate) => candidate.id === 'local.compress')!
    assert.deepEqual(loaded.emits, [{subTechnique: null, tactic: 'TA0009', technique: 'T1560'}])
  })

  it('runs the shipped pack against a newer release that renumbered a technique: the old id becomes its successor', async () => {
    const v19 = new AttackCatalog(catalogFromStix(stixBundle(shippedCatalogData(), V19)))
    const {attackVersion, problems, rules} = await loadRules({techniques: techniqueIndex(v19)})
    assert.equal(attackVersion, '19.0')
    assert.ok(problems.length > 0 && problems.every((problem) => problem.level === 'warning'), JSON.stringify(problems))
    assert.ok(problems.every((problem) => /revoked in ATT&CK 19\.0 by T1685 \(Disable or Modify Tools\)/.test(problem.message)))
    const tools = rules.find((candidate) => candidate.id === 'defense-evasion.disable-security-tools')!
    assert.deepEqual(tools.emits.map((emit) => [emit.technique, emit.subTechnique, emit.tactic]), [['T1685', null, 'TA0005']])
    const tags = new Matcher(rules, {attackVersion}).tags({attacker_ip: '203.0.113.7', id: 1, timestamp: '2026-12-07T00:00:00.000Z'}, {command: 'setenforce 0'})
    assert.deepEqual(tags.map((tag) => [tag.technique_id, tag.sub_technique_id, tag.attack_version]), [['T1685', null, '19.0']])
  })
})

describe('the catalog in use', () => {
  it('is the shipped one, then an imported one (which fleets pass to their workers), unless the environment names one', async (t) => {
    const data = tempDir(t)
    assert.deepEqual(chooseCatalog(data, {}), {origin: 'shipped', path: shippedCatalogPath()})
    assert.deepEqual(catalogEnv(data, {}), {})
    const path = await installCatalog(data, catalogFromStix(stixBundle(shippedCatalogData(), V19)))
    assert.equal(path, importedCatalogPath(data))
    assert.deepEqual(chooseCatalog(data, {}), {origin: 'imported', path})
    assert.deepEqual(catalogEnv(data, {}), {[ATTACK_CATALOG_ENV]: path})
    assert.equal((await readCatalog(path)).version, '19.0')
    assert.deepEqual(chooseCatalog(data, {[ATTACK_CATALOG_ENV]: '/elsewhere.json'}), {origin: 'env', path: '/elsewhere.json'})
    assert.deepEqual(catalogEnv(data, {[ATTACK_CATALOG_ENV]: '/elsewhere.json'}), {})
  })
})

describe('the data directory layout', () => {
  it('ships the catalog file beside its license', () => {
    assert.ok(existsSync(shippedCatalogPath()))
    assert.ok(existsSync(join(dirname(shippedCatalogPath()), 'LICENSE-ATTACK.txt')))
  })
})
