// Fuzz: random and hostile lines (huge, NUL bytes, invalid UTF-8, lone surrogates, deeply escaped
// and unterminated structured data, thousands of SD elements, CR without LF, long PRI, timestamps
// and headers, regex-hostile messages) mixed with valid ones, straight into the parser and the log
// semantics the workers apply to what it accepts: it never throws, every line is either accepted
// or rejected with a reason, every valid line is accepted. Runs in a child process (hang guard).
// The seed is printed; DECNET_FUZZ_SEED=N replays a run.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {fuzzSeed} from '../helpers/fuzz.js'
import {runFuzzChecks} from '../helpers/fuzz-checks.js'

const seed = fuzzSeed()

test(`parseLine over random and hostile lines (seed ${seed}; replay with DECNET_FUZZ_SEED=${seed})`, async (t) => {
  t.diagnostic(`fuzz seed ${seed} (replay: DECNET_FUZZ_SEED=${seed})`)
  const summary = await runFuzzChecks('parser', [seed, 1000], {timeoutMs: 60_000})
  assert.deepEqual(summary.problems, [], `seed ${seed}: ${JSON.stringify(summary.problems.slice(0, 5), null, 2)}`)
  assert.ok(summary.checked >= 2000, `seed ${seed}: ${summary.checked} lines checked`)
  assert.ok(summary.accepted > 0 && summary.accepted < summary.checked, `seed ${seed}: some accepted, some rejected (${summary.accepted} of ${summary.checked})`)
  assert.ok(Object.keys(summary.kinds).length >= 20, `seed ${seed}: kinds ${Object.keys(summary.kinds).join(',')}`)
  t.diagnostic(`${summary.checked} lines of ${Object.keys(summary.kinds).length} kinds, ${summary.accepted} accepted`)
})
