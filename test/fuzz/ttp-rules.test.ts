// Fuzz: regex-hostile command texts (long runs of one character, deep `$(` and parenthesis
// nesting, quote and backslash runs, and every shipped rule's own literals and examples repeated
// with separators, the texts most likely to make its pattern backtrack) through the shipped
// rules' regular expressions (past the prefilter: every rule over the generic texts and over its
// own texts, a seeded draw of others over each rule's texts), the matcher and the tagger: nothing throws and
// the whole run finishes (a generous overall hang guard, not a speed assertion). And the
// structural guarantee: every shipped rule passes the ReDoS lint, which refuses the classic
// catastrophic patterns. The seed is printed; DECNET_FUZZ_SEED=N replays a run.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {checkPattern} from '../../src/ttp/rule-check.js'
import {fuzzSeed} from '../helpers/fuzz.js'
import {CROSS_RULES, runFuzzChecks, shippedRules} from '../helpers/fuzz-checks.js'

const seed = fuzzSeed()

describe('ttp rules against hostile command text', () => {
  test(`every shipped rule, the matcher and the tagger finish on hostile commands (seed ${seed}; replay with DECNET_FUZZ_SEED=${seed})`, async (t) => {
    t.diagnostic(`fuzz seed ${seed} (replay: DECNET_FUZZ_SEED=${seed})`)
    // Before the {{cmd}} fix, the newline runs alone took minutes here.
    const summary = await runFuzzChecks('matcher', [seed], {timeoutMs: 300_000})
    assert.deepEqual(summary.problems, [], `seed ${seed}: ${JSON.stringify(summary.problems.slice(0, 5), null, 2)}`)
    const {rules} = await shippedRules()
    assert.equal(summary.rules, rules.length)
    assert.ok(summary.checked > 30 + rules.length, `seed ${seed}: generic and per-rule texts (${summary.checked})`)
    const targeted = summary.checked - summary.generic
    assert.equal(summary.regexRuns, summary.generic * rules.length + targeted * (1 + CROSS_RULES), 'every rule over every generic text; its own and 12 others\' over each targeted one')
    assert.ok(summary.hits > 0 && summary.tags > 0, `seed ${seed}: the targeted texts do match (${summary.hits} hits, ${summary.tags} tags)`)
    t.diagnostic(`${summary.checked} texts x ${summary.rules} rules; ${summary.hits} hits, ${summary.tags} tags`)
  })

  test('every shipped rule passes the ReDoS lint (it is also enforced at load: a failing rule is not loaded)', async () => {
    const {problems, rules} = await shippedRules()
    assert.deepEqual(problems, [], 'the shipped pack loads whole')
    assert.ok(rules.length >= 50, `${rules.length} rules`)
    for (const rule of rules) assert.equal(checkPattern(rule.regex.source, rule.regex.flags), null, rule.id)
  })

  test('the lint refuses the classic catastrophic patterns', () => {
    for (const pattern of ['(a+)+$', '(\\w+\\s?)*$', '(a|ab)*c', '(a|a)*b', '(.*a){12}', '(?:x+x+)+y', '([a-z]+)*$', '(a|aa)+$', '(\\d+)*\\.', '(?:\\s*,)*\\s*x', '(a)\\1+']) {
      assert.notEqual(checkPattern(pattern, ''), null, pattern)
    }
  })
})
