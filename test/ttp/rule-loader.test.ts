import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {LiteralIndex, requiredLiterals} from '../../src/ttp/prefilter.js'
import {checkPattern} from '../../src/ttp/rule-check.js'
import {formatRuleProblem, loadRules, type RuleProblem, shippedRulesDir} from '../../src/ttp/rule-loader.js'
import {compileRule, RuleError} from '../../src/ttp/rule-schema.js'

function rule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'local.test-tool',
    version: 1,
    description: 'Runs the test tool',
    field: 'command',
    pattern: '{{cmd}}testtool{{end}}',
    emits: [{tactic: 'TA0002', technique: 'T1059', subTechnique: 'T1059.004'}],
    confidence: 0.5,
    examples: {match: ['testtool -x', 'cd /; testtool'], noMatch: ['echo testtool', 'testtools']},
    ...overrides,
  }
}

function rulesDir(t: TestContext, files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-rules-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  }

  return dir
}

const problemFor = (problems: readonly RuleProblem[], path: string): RuleProblem[] => problems.filter((problem) => problem.path === path)

describe('rule loader', () => {
  it('loads an operator rule next to the shipped ones', async (t) => {
    const dir = rulesDir(t, {'local.json': [rule()]})
    const {problems, rules} = await loadRules({operatorDir: dir})
    assert.deepEqual(problems, [])
    const loaded = rules.find((candidate) => candidate.id === 'local.test-tool')
    assert.ok(loaded)
    assert.equal(loaded.path, join(dir, 'local.json'))
    assert.ok(rules.some((candidate) => candidate.id === 'discovery.system-info'))
    assert.ok(loaded.regex.test('sudo testtool'))
  })

  it('reports each broken file and rule with its path and reason, and still loads the rest', async (t) => {
    const dir = rulesDir(t, {
      'a-bad-json.json': '[{"id": "local.x",',
      'b-not-array.json': {id: 'local.y'},
      'c-mixed.json': [
        rule({id: 'local.good'}),
        (({pattern, ...rest}) => rest)(rule({id: 'local.no-pattern'})),
        rule({id: 'local.bad-regex', pattern: '(unclosed'}),
        rule({id: 'local.nested', pattern: '(a+)+$', examples: {match: ['aa'], noMatch: ['b']}}),
        rule({id: 'local.overlap', pattern: '(?:a|ab)*c', examples: {match: ['abc'], noMatch: ['d']}}),
        rule({id: 'local.backref', pattern: '(a)\\1', examples: {match: ['aa'], noMatch: ['ab']}}),
        rule({id: 'local.bad-example', examples: {match: ['echo testtool'], noMatch: ['x']}}),
        rule({id: 'local.bad-near-miss', examples: {match: ['testtool'], noMatch: ['testtool']}}),
        rule({id: 'local.bad-technique', emits: [{tactic: 'TA0002', technique: 'T1059', subTechnique: 'T1105.001'}]}),
        rule({id: 'local.unknown-key', patern: 'x'}),
        rule({id: 'local.bad-macro', pattern: '{{nope}}testtool'}),
        rule({id: 'local.bad-flags', flags: 'g'}),
        'not an object',
      ],
      'notes.txt': 'ignored: not a .json file',
    })
    const {problems, rules} = await loadRules({operatorDir: dir})
    const reasons = Object.fromEntries(problems.map((problem) => [problem.rule ?? problem.path, problem.message]))

    assert.match(problemFor(problems, join(dir, 'a-bad-json.json'))[0].message, /cannot be read as JSON/)
    assert.match(problemFor(problems, join(dir, 'b-not-array.json'))[0].message, /JSON array/)
    assert.equal(problemFor(problems, join(dir, 'c-mixed.json')).length, 12)
    assert.match(reasons['local.no-pattern'], /"pattern" must be/)
    assert.match(reasons['local.bad-regex'], /not a valid regular expression/)
    assert.match(reasons['local.nested'], /unsafe: nested quantifier/)
    assert.match(reasons['local.overlap'], /unsafe: overlapping alternation/)
    assert.match(reasons['local.backref'], /unsafe: backreferences/)
    assert.match(reasons['local.bad-example'], /example "echo testtool" should match/)
    assert.match(reasons['local.bad-near-miss'], /near-miss "testtool" should not match/)
    assert.match(reasons['local.bad-technique'], /sub-technique of T1059/)
    assert.match(reasons['local.unknown-key'], /unknown key "patern"/)
    assert.match(reasons['local.bad-macro'], /unknown macro \{\{nope\}\}/)
    assert.match(reasons['local.bad-flags'], /"flags"/)
    assert.match(reasons['#12'], /must be an object/)
    assert.equal(
      formatRuleProblem(problems.find((problem) => problem.rule === 'local.nested') as RuleProblem),
      `${join(dir, 'c-mixed.json')} (rule local.nested): "pattern" is unsafe: nested quantifier: a repeated group contains another repeat (e.g. \`(a+)+\`)`,
    )

    assert.ok(rules.some((candidate) => candidate.id === 'local.good'))
    assert.ok(rules.some((candidate) => candidate.id === 'discovery.system-info'), 'the shipped pack still loads')
    assert.ok(!rules.some((candidate) => candidate.id.startsWith('local.') && candidate.id !== 'local.good'))
  })

  it('refuses duplicate ids loudly, the first file in name order winning', async (t) => {
    const dir = rulesDir(t, {'a.json': [rule()], 'b.json': [rule({description: 'again'})]})
    const {problems, rules} = await loadRules({operatorDir: dir})
    assert.equal(problems.length, 1)
    assert.equal(problems[0].path, join(dir, 'b.json'))
    assert.match(problems[0].message, /duplicate rule id \(already loaded from .*a\.json\)/)
    assert.equal(rules.find((candidate) => candidate.id === 'local.test-tool')?.description, 'Runs the test tool')
  })

  it('lets an operator rule replace a shipped rule only with a higher version, or switch it off', async (t) => {
    const shipped = (await loadRules()).rules.find((candidate) => candidate.id === 'discovery.owner-user')
    assert.ok(shipped, 'the shipped pack has discovery.owner-user')
    const override = rule({
      id: 'discovery.owner-user',
      version: shipped.version + 1,
      pattern: '{{cmd}}whoami{{end}}',
      examples: {match: ['whoami'], noMatch: ['id']},
    })
    const higher = await loadRules({operatorDir: rulesDir(t, {'o.json': [override]})})
    assert.deepEqual(higher.problems, [])
    const active = higher.rules.filter((candidate) => candidate.id === 'discovery.owner-user')
    assert.equal(active.length, 1)
    assert.equal(active[0].version, shipped.version + 1)
    assert.equal(active[0].regex.test('id'), false)

    const same = await loadRules({operatorDir: rulesDir(t, {'o.json': [{...override, version: shipped.version}]})})
    assert.equal(same.problems.length, 1)
    assert.match(same.problems[0].message, /does not override the shipped rule .*give it a higher version/)
    assert.equal(same.rules.find((candidate) => candidate.id === 'discovery.owner-user')?.path, shipped.path)

    const off = await loadRules({operatorDir: rulesDir(t, {'o.json': [{...override, disabled: true}]})})
    assert.deepEqual(off.problems, [])
    assert.ok(!off.rules.some((candidate) => candidate.id === 'discovery.owner-user'))
  })

  it('reports a missing operator directory without failing, but fails on a missing shipped pack', async (t) => {
    const base = rulesDir(t, {})
    const missing = join(base, 'nope')
    const {problems, rules} = await loadRules({operatorDir: missing})
    assert.equal(problems.length, 1)
    assert.equal(problems[0].path, missing)
    assert.match(problems[0].message, /ENOENT/)
    assert.ok(rules.length > 0)
    await assert.rejects(loadRules({shippedDir: missing}), /nope: rules directory cannot be read: ENOENT/)
  })

  it('reads rule files only at the top of the directory', async (t) => {
    const dir = rulesDir(t, {'a.json': [rule()]})
    mkdirSync(join(dir, 'sub.json'))
    const {problems} = await loadRules({operatorDir: dir})
    assert.deepEqual(problems, [])
    assert.ok(shippedRulesDir().endsWith('/rules'))
  })
})

describe('rule schema', () => {
  it('accepts a pattern as an array of alternatives and a per-technique confidence', () => {
    const compiled = compileRule(
      rule({
        pattern: ['{{cmd}}testtool{{end}}', '{{cmd}}othertool{{end}}'],
        emits: [{tactic: 'TA0002', technique: 'T1059', subTechnique: 'T1059.004', confidence: 0.9}, {tactic: 'TA0011', technique: 'T1095', subTechnique: null}],
        examples: {match: ['testtool', 'othertool'], noMatch: ['tool']},
      }),
      'x.json',
    )
    assert.ok(compiled.regex.test('a; othertool -v'))
    assert.equal(compiled.emits[0].confidence, 0.9)
    assert.equal(compiled.emits[1].confidence, undefined)
  })

  it('refuses a rule that emits the same technique twice', () => {
    const twice = rule({emits: [{tactic: 'TA0002', technique: 'T1059', subTechnique: null}, {tactic: 'TA0002', technique: 'T1059', subTechnique: null}]})
    assert.throws(() => compileRule(twice, 'x.json'), (error) => error instanceof RuleError && /repeats T1059/.test(error.message))
  })
})

describe('ReDoS lint', () => {
  it('refuses the classic catastrophic shapes', () => {
    for (const pattern of ['(a+)+$', '(\\w+\\s?)*$', '(?:a*)*b', '(a|a)*b', '(\\d|\\w)+x', '(?:a|ab)*c', '(a?)*b', '(a)\\1', '(?<x>a)\\k<x>', '(?:[a-z]+\\.)+com']) {
      assert.notEqual(checkPattern(pattern, ''), null, pattern)
    }

    assert.notEqual(checkPattern('(?:A|a)+', 'i'), null, 'case folding makes the branches overlap')
  })

  it('passes the safe shapes the rule pack relies on', () => {
    for (const pattern of ['\\bwget\\s+\\S+', '(?:\\.\\d{1,3}){3}', '(?:[\\w./~-]*\\/)?wget', '(?:a|b)*c', '[^;&|\\n]*?\\bpasswd\\b', '(?<!>\\s{0,4})/etc/hosts', '(?:A|a)+']) {
      assert.equal(checkPattern(pattern, ''), null, pattern)
    }
  })
})

describe('literal prefilter', () => {
  it('finds the literals a match must contain, lower-cased, or none when there are none', () => {
    assert.deepEqual(requiredLiterals('\\b(?:wget|curl)\\s', ''), ['wget', 'curl'])
    assert.deepEqual(requiredLiterals('(?:^|;)\\s*(?:/usr/bin/)?Uname\\b', ''), ['uname'])
    assert.deepEqual(requiredLiterals('\\w+@\\w+', ''), ['@'])
    assert.deepEqual(requiredLiterals('a\\.b|cd', 'i'), ['a.b', 'cd'])
    assert.equal(requiredLiterals('.*', ''), null)
    assert.equal(requiredLiterals('x|\\d+', ''), null, 'one branch without a literal: no prefilter')
    assert.equal(requiredLiterals('(?:abc)?d*', ''), null)
    assert.equal(requiredLiterals('abc', 'iu'), null, 'unicode case folding is not lower-casing')
  })

  it('indexes literals by first character and marks the entries a text may match', () => {
    const index = new LiteralIndex([['wget', 'curl'], null, ['uname'], ['name -']])
    assert.deepEqual([...index.candidates('uname -a')], [0, 1, 1, 1])
    assert.deepEqual([...index.candidates('cd /tmp; curl x')], [1, 1, 0, 0])
    assert.deepEqual([...index.candidates('')], [0, 1, 0, 0])
  })
})
