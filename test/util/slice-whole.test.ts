import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {sliceWhole} from '../../src/util/slice-whole.js'

const wellFormed = (text: string): boolean => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)

describe('sliceWhole', () => {
  it('slices like String#slice where no pair is cut', () => {
    const cases: Array<[string, number, number]> = [['abcdef', 1, 4], ['a😀b', 0, 3], ['a😀b', 1, 3], ['', 0, 0], ['abc', 2, 99]]
    for (const [text, start, end] of cases) {
      assert.equal(sliceWhole(text, start, end), text.slice(start, end))
    }
  })

  it('drops the character whose pair a boundary would cut, at either end', () => {
    assert.equal(sliceWhole('a😀b', 0, 2), 'a')
    assert.equal(sliceWhole('a😀b', 2, 4), 'b')
    assert.equal(sliceWhole('😀', 1, 2), '')
    assert.equal(sliceWhole('😀😀', 1, 3), '')
  })

  it('never returns half a pair, at any boundary', () => {
    const text = 'x😀y日本🦀🦀z𠀀'
    for (let start = 0; start <= text.length; start++) {
      for (let end = start; end <= text.length; end++) assert.ok(wellFormed(sliceWhole(text, start, end)), `${start}..${end}`)
    }
  })
})
