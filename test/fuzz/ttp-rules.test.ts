// Fuzz: regex-hostile texts (long runs of one character, deep `$(` and parenthesis nesting, quote
// and backslash runs, and every shipped rule's own literals and examples repeated with separators,
// the texts most likely to make its pattern backtrack) through every shipped rule's regular
// expression that can read them (past the prefilter; a text made from a rule goes through the rules
// of that rule's input kind), the matcher and the tagger (as a command, a database statement, mail,
// a captured file's path and a DNS name): nothing throws and the whole run finishes (a generous
// overall hang guard, not a speed assertion). And the structural guarantee: every shipped rule
// passes the ReDoS lint, which refuses the classic catastrophic patterns. The seed is printed;
// DECNET_FUZZ_SEED=N replays a run.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {checkPattern} from '../../src/ttp/rule-check.js'
import {fuzzSeed} from '../helpers/fuzz.js'
import {runFuzzChecks, shippedRules} from '../helpers/fuzz-checks.js'

const seed = fuzzSeed()

describe('ttp rules against hostile command text', () => {
  test(`every shipped rule, the matcher and the tagger finish on hostile commands (seed ${seed}; replay with DECNET_FUZZ_SEED=${seed})`, async (t) => {
    t.diagnostic(`fuzz seed ${seed} (replay: DECNET_FUZZ_SEED=${seed})`)
    // Before the {{cmd}} fix, the newline runs alone took minutes here.
    // every rule over every text that can reach it: grows with the square of the command pack's size; on a 2-CPU machine
    // shared by a dozen processes the 195-rule pack takes 4-5 minutes, so the hang guard is 10
    const summary = await runFuzzChecks('matcher', [seed], {timeoutMs: 600_000})
    assert.deepEqual(summary.problems, [], `seed ${seed}: ${JSON.stringify(summary.problems.slice(0, 5), null, 2)}`)
    const {rules} = await shippedRules()
    assert.equal(summary.rules, rules.length)
    assert.ok(summary.checked > 30 + rules.length, `seed ${seed}: generic and per-rule texts (${summary.checked})`)
    // each generic text through every rule, each rule-made text through every rule of its input kind (all but the 32 generic texts are rule-made)
    const byField = new Map<string, number>()
    for (const rule of rules) byField.set(rule.field, (byField.get(rule.field) ?? 0) + 1)
    assert.equal(summary.regexRuns, summary.pairs, 'every rule ran over every text that can reach it')
    assert.ok(summary.pairs >= 32 * rules.length + (summary.checked - 32) * Math.min(...byField.values()), `${summary.pairs} pairs`)
    assert.ok(summary.pairs <= summary.checked * rules.length)
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
