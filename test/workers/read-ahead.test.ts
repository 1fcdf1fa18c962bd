import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {ReadAhead} from '../../src/workers/read-ahead.js'

interface Read {
  cut: boolean
  lines: Array<{id: number}>
}

const lines = (...ids: number[]): Read => ({cut: false, lines: ids.map((id) => ({id}))})

describe('ReadAhead', () => {
  it('hands over the read it started, with the cursor it followed, once', async () => {
    const reads: number[] = []
    const ahead = new ReadAhead(async (after) => {
      reads.push(after)
      return lines(after + 1, after + 2)
    })
    assert.equal(await ahead.take(), undefined)
    ahead.start(40)
    assert.deepEqual(await ahead.take(), {after: 40, read: lines(41, 42)})
    assert.equal(await ahead.take(), undefined)
    assert.deepEqual(reads, [40])
  })

  it('drops a failed read (the tick reads for itself) without an unhandled rejection', async (t) => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): number => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    t.after(() => process.off('unhandledRejection', onUnhandled))
    const ahead = new ReadAhead(async () => {
      throw new Error('connection terminated')
    })
    ahead.start(7)
    assert.equal(await ahead.take(), undefined)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(unhandled, [])
  })

  it('hands over the latest read when a second one starts before the first is taken, after both finished', async () => {
    const finish = new Map()
    const ahead = new ReadAhead((after) => new Promise((resolve) => finish.set(after, () => resolve(lines(after + 1)))))
    ahead.start(1)
    ahead.start(2)
    let taken
    const taking = ahead.take().then((read) => (taken = read))
    finish.get(2)()
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(taken, undefined, 'still waiting for the first read')
    finish.get(1)()
    await taking
    assert.deepEqual(taken, {after: 2, read: lines(3)})
  })

  it('starts nothing once its signal fired: no tick will follow', async () => {
    const controller = new AbortController()
    let reads = 0
    const ahead = new ReadAhead(async () => {
      reads++
      return lines()
    }, controller.signal)
    controller.abort()
    ahead.start(5)
    assert.equal(await ahead.take(), undefined)
    assert.equal(reads, 0)
  })
})
