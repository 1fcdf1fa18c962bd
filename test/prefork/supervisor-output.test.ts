// Children's output reaches the master line by line, prefixed with the worker's name, whole:
// never cut or interleaved mid-line, even when children write half-lines concurrently.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {type HarnessSpec, startFleet} from '../helpers/fleet-harness.js'

test('output lines are prefixed with the worker name and never interleaved; a partial last line is flushed', async (t) => {
  const count = 300
  const names = ['left', 'right', 'third']
  const spec: HarnessSpec = {fleet: {name: 'chatty', workers: names.map((name) => ({module: 'prints.js', name, options: {count}}))}}
  const run = startFleet(spec)
  t.after(() => run.cleanup())
  const {code} = await run.waitForExit()
  assert.equal(code, 0, run.text)

  const childLines = run.lines.filter((line) => !line.text.startsWith('[decnet] ') && !line.text.startsWith('[harness] '))
  for (const name of names) {
    const own = childLines.filter((line) => line.text.startsWith(`${name} | `)).map((line) => line.text)
    // stdout and stderr are separate pipes: only the order within each is guaranteed.
    const fromStderr = `${name} | ${name} on stderr`
    assert.equal(own.filter((text) => text === fromStderr).length, 1, `${name}: its stderr line, once`)
    const expected = [
      ...Array.from({length: count}, (_, i) => `${name} | ${name}-line-${i}-first-half second-half`),
      `${name} | ${name} tail without newline`,
    ]
    assert.deepEqual(own.filter((text) => text !== fromStderr), expected, `${name}: every line whole, in order, the unterminated tail included`)
  }

  const strays = childLines.filter((line) => !names.some((name) => line.text.startsWith(`${name} | `)))
  assert.deepEqual(strays, [], 'no line without a prefix (which is what a mid-line interleave would leave)')
})
