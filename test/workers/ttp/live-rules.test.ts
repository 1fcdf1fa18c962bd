// The ttp worker's live rules without processes: a reload takes up changed rule files and rule state,
// refuses a set with an error (keeping the old one, saying why), and an expiry drops its rule when it comes.
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {parseRuleState} from '../../../src/ttp/rule-state.js'
import {writeRuleState} from '../../../src/ttp/rule-state-store.js'
import {LiveRules} from '../../../src/workers/ttp/live-rules.js'
import {rule, rulesDir, tempDir} from '../../helpers/rule-files.js'

const event = {attacker_ip: '203.0.113.7', id: 1, timestamp: '2026-12-07T12:00:00Z'}

function hits(rules: LiveRules, command: string): string[] {
  return rules.matcher().tags(event, {command}).map((tag) => tag.rule_id).sort()
}

describe('LiveRules', () => {
  it('reloads changed rule state; refuses a broken rule file or state file and keeps the rules it had', async (t) => {
    const dir = rulesDir(t, [rule()])
    const statePath = join(tempDir(t), 'rule-state.json')
    const lines: string[] = []
    const log = (line: string) => void lines.push(line)
    const rules = await LiveRules.load({log, operatorDir: dir, statePath, warn: log})
    assert.deepEqual(hits(rules, 'uname -a; testtool -x'), ['discovery.system-info', 'local.test-tool'])

    await writeRuleState(statePath, parseRuleState('{"version":1,"rules":{"local.test-tool":{"enabled":false}}}', statePath))
    assert.equal(await rules.reload(), true)
    assert.deepEqual(hits(rules, 'uname -a; testtool -x'), ['discovery.system-info'])
    assert.match(lines.at(-1)!, /^rules reloaded: \d+ rules active \(was \d+; ATT&CK 18\.1; operator directory: /)

    writeFileSync(join(dir, 'broken.json'), '{')
    await writeRuleState(statePath, parseRuleState('{"version":1,"rules":{}}', statePath))
    assert.equal(await rules.reload(), false)
    assert.deepEqual(hits(rules, 'uname -a; testtool -x'), ['discovery.system-info'], 'the refused set (which switched the rule back on) is not used')
    assert.match(lines.at(-2)!, /^rules reload refused: .*broken\.json: cannot be read as JSON/)
    assert.match(lines.at(-1)!, /^rules reload refused: 1 error \(decnet rules check says the same\); the \d+ rules active before keep running$/)

    writeFileSync(join(dir, 'broken.json'), '[]')
    writeFileSync(statePath, '{"version":1,"rules":{"local.test-tool":{"enabled":0}}}')
    assert.equal(await rules.reload(), false)
    assert.match(lines.at(-2)!, /^rules reload refused: .*rule-state\.json: .*"enabled" must be true or false, got 0$/)
    await writeRuleState(statePath, parseRuleState('{"version":1,"rules":{}}', statePath))
    assert.equal(await rules.reload(), true)
    assert.deepEqual(hits(rules, 'uname -a; testtool -x'), ['discovery.system-info', 'local.test-tool'])
  })

  it('drops a rule at its expiry, on the next matcher asked for, without reading anything again', async (t) => {
    const dir = rulesDir(t, [rule()])
    const statePath = join(tempDir(t), 'rule-state.json')
    await writeRuleState(statePath, parseRuleState('{"version":1,"rules":{"local.test-tool":{"expires":"2026-12-08T00:00:00.000Z"}}}', statePath))
    let now = Date.parse('2026-12-07T23:59:59Z')
    const lines: string[] = []
    const rules = await LiveRules.load({log: (line) => lines.push(line), now: () => now, operatorDir: dir, statePath, warn: (line) => lines.push(line)})
    assert.deepEqual(hits(rules, 'testtool -x'), ['local.test-tool'])
    writeFileSync(join(dir, 'local.json'), '[') // not read again: an expiry is not a reload
    now = Date.parse('2026-12-08T00:00:00Z')
    assert.deepEqual(hits(rules, 'testtool -x'), [])
    assert.match(lines.at(-1)!, /^rules expired: local\.test-tool; \d+ rules active$/)
  })

  it('at start, runs without a rule state it cannot use, and says so', async (t) => {
    const statePath = join(tempDir(t), 'rule-state.json')
    writeFileSync(statePath, 'not json')
    const lines: string[] = []
    const rules = await LiveRules.load({log: (line) => lines.push(line), statePath, warn: (line) => lines.push(line)})
    assert.ok(rules.set.rules.length > 50)
    assert.equal(lines.length, 1)
    assert.ok(lines[0].startsWith(`rule state not used: ${statePath}: the rule state is not JSON: `), lines[0])
  })
})
