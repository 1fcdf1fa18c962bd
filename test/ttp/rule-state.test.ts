// The operator's rule state: parsing the file and the values an operator types, applying it to a rule set
// (off, on, capped, expired; overridden rules untouched; unknown ids a warning), and the file on disk
// against hostile input (a symbolic link where it goes, bad JSON, a directory, a huge file).
import assert from 'node:assert/strict'
import {chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {Matcher} from '../../src/ttp/matcher.js'
import {loadRules, type RuleSet} from '../../src/ttp/rule-loader.js'
import {
  applyRuleState,
  EMPTY_RULE_STATE,
  nextExpiry,
  parseConfidenceCap,
  parseExpiry,
  parseRuleState,
  RuleStateError,
  RuleStateValueError,
} from '../../src/ttp/rule-state.js'
import {ruleStateReadProblem} from '../../src/ttp/rule-state-path.js'
import {MAX_STATE_BYTES, readRuleState, updateRuleState, writeRuleState} from '../../src/ttp/rule-state-store.js'
import {rule, rulesDir, tempDir} from '../helpers/rule-files.js'

const NOW = Date.parse('2026-12-07T12:00:00Z')
const event = {attacker_ip: '203.0.113.7', id: 1, timestamp: '2026-12-07T12:00:00Z'}

function firing(set: RuleSet, command: string): string[] {
  return new Matcher(set.rules, {attackVersion: set.attackVersion}).tags(event, {command}).map((tag) => `${tag.rule_id}@${tag.confidence}`).sort()
}

describe('the values an operator types', () => {
  it('a confidence cap is a number in (0, 1]', () => {
    assert.deepEqual(['0.5', '1', '.25', '1.0', '0.05'].map(parseConfidenceCap), [0.5, 1, 0.25, 1, 0.05])
    for (const bad of ['0', '1.5', '-0.1', 'abc', '', '0x1', '1e-1', 'NaN', '0.5\u0007']) {
      assert.throws(() => parseConfidenceCap(bad), (error: Error) => error instanceof RuleStateValueError && /Expected a confidence in \(0, 1\]/.test(error.message), bad)
    }
  })

  it('an expiry is a day (through its end, UTC) or an instant with its offset', () => {
    assert.equal(parseExpiry('2027-01-31'), '2027-02-01T00:00:00.000Z')
    assert.equal(parseExpiry('2028-02-29'), '2028-03-01T00:00:00.000Z')
    assert.equal(parseExpiry('2027-01-31T18:00:00Z'), '2027-01-31T18:00:00.000Z')
    assert.equal(parseExpiry('2027-01-31T18:00+01:00'), '2027-01-31T17:00:00.000Z')
    for (const bad of ['2027-02-30', '2027-13-01', '2027-01-31T18:00:00', 'tomorrow', '31/01/2027', '2027-01-31T25:00Z', '']) {
      assert.throws(() => parseExpiry(bad), RuleStateValueError, bad)
    }
  })
})

describe('the state file as text', () => {
  it('reads a state, and refuses anything else naming the file and the rule', () => {
    const good = parseRuleState('{"version": 1, "rules": {"discovery.system-info": {"enabled": false, "confidenceCap": 0.4, "expires": "2027-02-01T00:00:00.000Z"}}}', '/s.json')
    assert.deepEqual(good.rules['discovery.system-info'], {confidenceCap: 0.4, enabled: false, expires: '2027-02-01T00:00:00.000Z'})
    const cases: Array<[string, RegExp]> = [
      ['{', /^\/s\.json: the rule state is not JSON/],
      ['[]', /^\/s\.json: expected a rule state/],
      ['{"version": 2, "rules": {}}', /expected a rule state/],
      ['{"version": 1, "rules": {}, "x": 1}', /unknown key "x"/],
      ['{"version": 1, "rules": {"a.b": {"enabled": "no"}}}', /^\/s\.json \(rule "a\.b"\): "enabled" must be true or false/],
      ['{"version": 1, "rules": {"a.b": {"confidenceCap": 2}}}', /"confidenceCap" must be a number in \(0, 1\]/],
      ['{"version": 1, "rules": {"a.b": {"expires": "2027-01-31"}}}', /"expires" must be an instant in UTC/],
      ['{"version": 1, "rules": {"a.b": {"mute": true}}}', /unknown key "mute"/],
      ['{"version": 1, "rules": {"a\\u001b[2Jb": {}}}', /\(rule "a\\u001b\[2Jb"\): Expected a rule id/],
    ]
    for (const [text, expected] of cases) {
      assert.throws(() => parseRuleState(text, '/s.json'), (error: Error) => error instanceof RuleStateError && expected.test(error.message), text)
    }
  })
})

describe('applying the state to a rule set', () => {
  it('switches rules off and on, caps confidence, expires at the date; leaves overridden rules alone; warns of unknown ids', async (t) => {
    const dir = rulesDir(t, [rule(), rule({disabled: true, id: 'local.sleeper', pattern: '{{cmd}}sleeper{{end}}', examples: {match: ['sleeper'], noMatch: ['echo sleeper']}})])
    const set = await loadRules({operatorDir: dir})
    const before = firing(set, 'uname -a; testtool -x; sleeper')
    assert.ok(before.some((hit) => hit.startsWith('discovery.system-info@')) && before.includes('local.test-tool@0.5') && !before.some((hit) => hit.startsWith('local.sleeper')))

    const state = parseRuleState(
      JSON.stringify({
        rules: {
          'discovery.system-info': {enabled: false},
          'local.sleeper': {enabled: true, confidenceCap: 0.2},
          'local.test-tool': {confidenceCap: 0.3, expires: '2026-12-08T00:00:00.000Z'},
          'local.gone': {enabled: false},
        },
        version: 1,
      }),
      '/s.json',
    )
    const applied = applyRuleState(set, state, NOW, '/s.json')
    assert.deepEqual(firing(applied, 'uname -a; testtool -x; sleeper'), ['local.sleeper@0.2', 'local.test-tool@0.3'])
    const entry = (id: string) => applied.entries.find((candidate) => candidate.rule.id === id)!
    assert.deepEqual([entry('discovery.system-info').state, entry('local.sleeper').state, entry('local.test-tool').state], ['disabled', 'active', 'active'])
    assert.equal(entry('local.test-tool').expires, '2026-12-08T00:00:00.000Z')
    assert.equal(nextExpiry(applied), Date.parse('2026-12-08T00:00:00.000Z'))
    assert.deepEqual(applied.problems.filter((problem) => problem.path === '/s.json'), [
      {level: 'warning', message: 'the rule state names a rule that is not loaded (kept: it applies if the rule comes back)', path: '/s.json', rule: 'local.gone'},
    ])

    // at the expiry, the rule no longer fires
    const later = applyRuleState(set, state, Date.parse('2026-12-08T00:00:00.000Z'), '/s.json')
    assert.equal(later.entries.find((candidate) => candidate.rule.id === 'local.test-tool')!.state, 'expired')
    assert.deepEqual(firing(later, 'uname -a; testtool -x; sleeper'), ['local.sleeper@0.2'])
    assert.equal(nextExpiry(later), undefined)

    // no state: the set as loaded
    assert.deepEqual(firing(applyRuleState(set, EMPTY_RULE_STATE, NOW, '/s.json'), 'uname -a; testtool -x; sleeper'), before)
  })

  it("an operator's override keeps its shipped rule overridden whatever the state says", async (t) => {
    const dir = rulesDir(t, [rule({id: 'discovery.system-info', pattern: '{{cmd}}uname{{end}}', examples: {match: ['uname'], noMatch: ['echo uname']}, version: 9})])
    const set = await loadRules({operatorDir: dir})
    const applied = applyRuleState(set, parseRuleState('{"version":1,"rules":{"discovery.system-info":{"confidenceCap":0.1}}}', '/s.json'), NOW, '/s.json')
    const entries = applied.entries.filter((candidate) => candidate.rule.id === 'discovery.system-info')
    assert.deepEqual(entries.map((candidate) => `${candidate.origin} ${candidate.state} ${candidate.rule.confidence}`), ['built-in overridden 0.8', 'user active 0.1'])
  })
})

describe('the state file on disk', () => {
  it('writes atomically (0644, no temporary file left) and reads back; no file is no state', async (t) => {
    const dir = tempDir(t)
    const path = join(dir, 'data', 'rule-state.json')
    assert.deepEqual(await readRuleState(path), EMPTY_RULE_STATE)
    assert.deepEqual(await updateRuleState(path, 'a.b', (entry) => ({...entry, enabled: false})), {enabled: false})
    assert.deepEqual(await updateRuleState(path, 'a.b', (entry) => ({...entry, confidenceCap: 0.5})), {confidenceCap: 0.5, enabled: false})
    assert.equal(statSync(path).mode & 0o777, 0o644)
    assert.deepEqual(readdirSync(join(dir, 'data')), ['rule-state.json'])
    assert.deepEqual((await readRuleState(path)).rules, {'a.b': {confidenceCap: 0.5, enabled: false}})
    // an entry left empty is dropped
    await updateRuleState(path, 'a.b', () => ({}))
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {rules: {}, version: 1})
  })

  it('refuses a symbolic link where the file goes, to read or to write, and leaves its target alone', async (t) => {
    const dir = tempDir(t)
    const target = join(dir, 'elsewhere.json')
    writeFileSync(target, '{"version":1,"rules":{"x.y":{"enabled":false}}}')
    const path = join(dir, 'rule-state.json')
    symlinkSync(target, path)
    await assert.rejects(readRuleState(path), /rule-state\.json: the rule state file is a symbolic link; refusing to read it/)
    await assert.rejects(writeRuleState(path, EMPTY_RULE_STATE), /the rule state file is a symbolic link; refusing to write through or over it/)
    await assert.rejects(updateRuleState(path, 'x.y', () => ({})), RuleStateError)
    assert.ok(lstatSync(path).isSymbolicLink())
    assert.equal(readFileSync(target, 'utf8'), '{"version":1,"rules":{"x.y":{"enabled":false}}}')
    // a dangling link is refused too (writing through it would create its target)
    const dangling = join(dir, 'dangling.json')
    symlinkSync(join(dir, 'nowhere.json'), dangling)
    await assert.rejects(writeRuleState(dangling, EMPTY_RULE_STATE), /symbolic link/)
    assert.deepEqual(readdirSync(dir).sort(), ['dangling.json', 'elsewhere.json', 'rule-state.json'])
  })

  it('keeps a broken file as it is: bad JSON, a directory, a file too large', async (t) => {
    const dir = tempDir(t)
    const path = join(dir, 'rule-state.json')
    writeFileSync(path, '{"version": 1, "rules": {')
    await assert.rejects(updateRuleState(path, 'a.b', () => ({enabled: false})), /rule-state\.json: the rule state is not JSON/)
    assert.equal(readFileSync(path, 'utf8'), '{"version": 1, "rules": {')
    writeFileSync(path, ' '.repeat(MAX_STATE_BYTES + 1))
    await assert.rejects(readRuleState(path), /the rule state is \d+ bytes, at most/)
    const asDir = join(dir, 'as-dir.json')
    mkdirSync(asDir)
    await assert.rejects(readRuleState(asDir), /not a regular file/)
    await assert.rejects(writeRuleState(asDir, EMPTY_RULE_STATE), /not a regular file; refusing to replace it/)
  })
})

describe('whether the workers\' user can read the state (the fleet warns before it starts)', () => {
  it('judges the permission bits of the file and every directory above it', (t) => {
    const dir = tempDir(t)
    chmodSync(dir, 0o755)
    const nobody = {gid: 65534, name: 'nobody', uid: 65534}
    const path = join(dir, 'rule-state.json')
    assert.equal(ruleStateReadProblem(path, nobody), undefined, 'no file: nothing to read')
    writeFileSync(path, '{"version":1,"rules":{}}', {mode: 0o644})
    chmodSync(path, 0o644)
    assert.equal(ruleStateReadProblem(path, nobody), undefined)
    chmodSync(path, 0o600)
    assert.equal(ruleStateReadProblem(path, nobody), `user nobody cannot read ${path} (mode 0600)`)
    chmodSync(path, 0o644)
    chmodSync(dir, 0o700)
    assert.equal(ruleStateReadProblem(path, nobody), `user nobody cannot enter directory ${dir} (mode 0700)`)
    assert.equal(ruleStateReadProblem(path, {gid: process.getgid?.() ?? 0, uid: process.getuid?.() ?? 0}), undefined, 'its owner can')
  })
})
