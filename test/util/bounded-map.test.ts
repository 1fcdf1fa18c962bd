import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {BoundedMap} from '../../src/util/bounded-map.js'

describe('BoundedMap', () => {
  it('keeps what it is given, up to its size, then starts over', () => {
    const map = new BoundedMap<number>(3)
    for (const [i, key] of ['a', 'b', 'c'].entries()) map.set(key, i)
    assert.equal(map.size, 3)
    assert.equal(map.get('b'), 1)
    map.set('b', 9) // a full memory is emptied before any set, even of a key it holds
    assert.equal(map.size, 1)
    assert.equal(map.get('a'), undefined)
    assert.equal(map.get('b'), 9)
  })

  it('does not keep keys longer than its bound', () => {
    const map = new BoundedMap<string>(10, 4)
    map.set('abcd', 'kept')
    map.set('abcde', 'too long')
    assert.equal(map.get('abcd'), 'kept')
    assert.equal(map.get('abcde'), undefined)
    assert.equal(map.size, 1)
  })
})
