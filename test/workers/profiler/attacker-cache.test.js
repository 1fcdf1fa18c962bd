// AttackerCache: when it may say it holds every stored attacker (a tick then reads none back).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {AttackerCache} from '../../../dist/workers/profiler/attacker-cache.js'

// a kept row, as a tick commits it (CachedAttacker)
const row = (ip) => ({ownContacts: false, row: {auth_attempts: 0, deckies: '[]', event_count: 1, first_seen: 't', ip, last_log_id: 1, last_seen: 't', services: '[]'}})

describe('AttackerCache coverage', () => {
  it('is complete when it started empty over an empty table and kept every row written since', () => {
    const cache = new AttackerCache(3)
    assert.equal(cache.coverage, 'unknown')
    cache.covers(true)
    cache.commit(10, [row('a'), row('b')])
    cache.commit(20, [row('c'), row('a')])
    assert.equal(cache.coverage, 'complete')
    assert.equal(cache.validAt(20), true)
  })

  it('is partial once it drops a row to stay within its capacity', () => {
    const cache = new AttackerCache(2)
    cache.covers(true)
    cache.commit(10, [row('a'), row('b')])
    assert.equal(cache.coverage, 'complete')
    cache.commit(20, [row('c')])
    assert.equal(cache.get('a'), undefined)
    assert.equal(cache.coverage, 'partial')
  })

  it('is partial when the table held rows, and unknown again after a reset', () => {
    const cache = new AttackerCache()
    cache.covers(false)
    cache.commit(10, [row('a')])
    assert.equal(cache.coverage, 'partial')
    cache.reset()
    assert.equal(cache.coverage, 'unknown')
    assert.equal(cache.get('a'), undefined)
  })

  it('never calls rows nobody checked against the table complete', () => {
    const cache = new AttackerCache()
    cache.commit(10, [row('a')])
    assert.equal(cache.coverage, 'partial')
    assert.throws(() => cache.covers(true), /coverage to be unknown, got `partial`/)
  })
})
