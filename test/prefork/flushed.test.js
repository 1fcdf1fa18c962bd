// flushed(): waits for queued writes to finish, including a queue too short to ever emit 'drain'.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {Writable} from 'node:stream'

import {flushed} from '../../dist/prefork/flushed.js'

/** A stream whose writes finish only when `release()` is called, like a pipe the reader is slow on. */
function slowStream() {
  const pending = []
  const done = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      pending.push(() => {
        done.push(chunk.toString())
        callback()
      })
    },
  })
  return {done, release: () => pending.splice(0).forEach((finish) => finish()), pending, stream}
}

test('resolves at once when nothing is queued', async () => {
  const {stream} = slowStream()
  await flushed(stream, 60_000)
})

test('waits for a short queue (no drain ever comes) and resolves once it is written', {timeout: 10_000}, async () => {
  const {done, release, pending, stream} = slowStream()
  stream.write('first')
  stream.write('second')
  assert.ok(stream.writableLength > 0 && stream.writableLength < stream.writableHighWaterMark)
  let resolved = false
  const waiting = flushed(stream, 60_000).then(() => {
    resolved = true
  })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(resolved, false, 'not before the queued writes are done')
  // Release writes one by one (each completion lets the stream hand over the next).
  while (!resolved) {
    if (pending.length > 0) release()
    await new Promise((resolve) => setImmediate(resolve))
  }

  await waiting
  assert.deepEqual(done.filter(Boolean), ['first', 'second'])
})

test('resolves when the stream breaks instead of finishing', {timeout: 10_000}, async () => {
  const {stream} = slowStream()
  stream.on('error', () => {})
  stream.write('stuck')
  const waiting = flushed(stream, 60_000)
  stream.destroy(new Error('reader went away'))
  await waiting
})

test('gives up after its timeout when the queue never moves', {timeout: 10_000}, async () => {
  const {stream} = slowStream()
  stream.write('stuck')
  const keepAlive = setTimeout(() => {}, 10_000)
  await flushed(stream, 20)
  clearTimeout(keepAlive)
})
