// The ttp worker loads its rules in a process that ends: it must find what loading here finds (rules,
// problems, rule state, counting rules), hand back patterns that still match, and say why when it cannot load.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {ATTACK_CATALOG_ENV} from '../../../src/ttp/attack-catalog.js'
import {checkCountingRules} from '../../../src/ttp/auth/counting-rules.js'
import {loadTechniqueIndex} from '../../../src/ttp/rule-loader.js'
import {loadRuleSource} from '../../../src/workers/ttp/loaded-rules.js'
import {Matcher} from '../../../src/ttp/matcher.js'
// from dist/: the loading process runs rules-child.js next to the module, which src/ does not have
import {loadRulesInChild} from '../../../dist/workers/ttp/load-rules-in-child.js'
import {rule, rulesDir, tempDir} from '../../helpers/rule-files.js'

const event = {attacker_ip: '203.0.113.7', id: 1, timestamp: '2026-12-07T12:00:00Z'}

describe('loadRulesInChild', () => {
  it('finds what a load in this process finds, with patterns that match, and the counting rules when asked', async (t) => {
    const operatorDir = rulesDir(t, [rule(), rule({id: 'local.broken', pattern: '(a+)+$'})])
    const statePath = join(tempDir(t), 'rule-state.json')
    writeFileSync(statePath, '{"version":1,"rules":{"local.test-tool":{"confidenceCap":0.4}}}')
    const here = await loadRuleSource({operatorDir, statePath})
    const there = await loadRulesInChild({operatorDir, statePath}, true)
    assert.deepEqual(there.rules.set.rules.map((r) => r.id), here.set.rules.map((r) => r.id))
    assert.deepEqual(there.rules.set.problems, here.set.problems)
    assert.ok(there.rules.set.problems.some((problem) => problem.rule === 'local.broken'), 'the unsafe pattern is refused there too')
    assert.deepEqual(there.rules.set.entries.map((e) => [e.rule.id, e.origin, e.state]), here.set.entries.map((e) => [e.rule.id, e.origin, e.state]))
    assert.equal(there.rules.set.attackVersion, here.set.attackVersion)
    assert.deepEqual(there.rules.state, here.state)
    assert.equal(there.rules.stateError, undefined)
    assert.ok(there.rules.set.entries.every((entry, i) => entry.rule === there.rules.set.entries[i].rule))
    const tags = (set: typeof here.set) => new Matcher(set.rules, {attackVersion: set.attackVersion}).tags(event, {command: 'uname -a; testtool -x'}).map((tag) => tag.rule_id).sort()
    assert.deepEqual(tags(there.rules.set), ['discovery.system-info', 'local.test-tool'])
    assert.deepEqual(tags(there.rules.set), tags(here.set))
    const counting = checkCountingRules(await loadTechniqueIndex())
    assert.deepEqual([...there.counting!.rules.keys()], [...counting.rules.keys()])
    assert.deepEqual(there.counting!.problems, counting.problems)
    assert.equal((await loadRulesInChild({operatorDir})).counting, undefined, 'not asked: not checked')
  })

  it('reports a rule state it cannot use, and fails with the loader\'s message when the catalog cannot be read', async (t) => {
    const statePath = join(tempDir(t), 'rule-state.json')
    writeFileSync(statePath, '{')
    const {rules} = await loadRulesInChild({statePath})
    assert.match(rules.stateError ?? '', /rule-state\.json/)
    const before = process.env[ATTACK_CATALOG_ENV]
    t.after(() => {
      if (before === undefined) delete process.env[ATTACK_CATALOG_ENV]
      else process.env[ATTACK_CATALOG_ENV] = before
    })
    process.env[ATTACK_CATALOG_ENV] = join(tempDir(t), 'missing.json')
    await assert.rejects(loadRulesInChild({}, true), /missing\.json/)
  })
})
