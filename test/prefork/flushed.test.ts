// flushed(): waits for queued writes to finish, including a queue too short to ever emit 'drain'.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {Writable} from 'node:stream'

import {flushed} from '../../src/prefork/flushed.js'

/** A stream whose writes finish only when `release()` is called, like a pipe the reader is slow on. */
function slowStream(): {done: string[]; release: () => void; pending: Array<() => void>; stream: Writable} {
  const pending: Array<() => void> = []
  const done: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending.push(() => {
        done.push(chunk.toString())
        callback()
      })
    },
  })
  return {done, release: () => pending.splice(0).forEach((finish) => finish()), pending, stream}
}

/** 'resolved' if `promise` settles within `turns` event-loop turns, else 'pending' (never waits on a timer). */
async function settlesWithin(promise: Promise<unknown>, turns = 3): Promise<'pending' | 'resolved'> {
  let settled = false
  void promise.then(() => (settled = true))
  for (let i = 0; i < turns && !settled; i++) await new Promise((resolve) => setImmediate(resolve))
  return settled ? 'resolved' : 'pending'
}

test('resolves at once when nothing is queued, writing nothing', async () => {
  const {pending, stream} = slowStream()
  // Within one turn: no write of its own to wait for (one would never finish here: nobody releases it).
  assert.equal(await settlesWithin(flushed(stream, 60_000), 1), 'resolved')
  assert.equal(pending.length, 0, 'it wrote nothing')
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
  // Release writes one by one (each completion lets the stream hand over the next); two writes need a few turns, not 100.
  for (let turn = 0; turn < 100 && !resolved; turn++) {
    if (pending.length > 0) release()
    await new Promise((resolve) => setImmediate(resolve))
  }

  assert.equal(resolved, true, 'resolved once both queued writes were written')
  await waiting
  assert.deepEqual(done.filter(Boolean), ['first', 'second'])
})

test('resolves when the stream breaks instead of finishing', {timeout: 10_000}, async () => {
  const {stream} = slowStream()
  stream.on('error', () => {})
  stream.write('stuck')
  const waiting = flushed(stream, 60_000)
  assert.equal(await settlesWithin(waiting), 'pending', 'not while the write is stuck')
  stream.destroy(new Error('reader went away'))
  // Its 60 s timer cannot be what ends it: the break must.
  assert.equal(await settlesWithin(waiting), 'resolved')
})

test('gives up after its timeout when the queue never moves', {timeout: 10_000}, async () => {
  const {pending, stream} = slowStream()
  stream.write('stuck')
  const started = performance.now()
  const waiting = flushed(stream, 50)
  assert.equal(await settlesWithin(waiting), 'pending', 'not before its timeout')
  // The timer is unref'd (it must not hold a process open by itself): keep this one alive meanwhile.
  let guard: NodeJS.Timeout | undefined
  const never = new Promise((resolve) => (guard = setTimeout(resolve, 4000, 'never')))
  const outcome = await Promise.race([waiting.then(() => 'resolved'), never])
  clearTimeout(guard)
  assert.equal(outcome, 'resolved', 'it gave up')
  assert.ok(performance.now() - started >= 49, 'after its timeout, not before')
  assert.ok(pending.length > 0, 'the write is still stuck: the timeout, not the write, ended the wait')
})
