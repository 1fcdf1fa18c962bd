import assert from 'node:assert/strict'
import {test} from 'node:test'

import {ProgressLine} from '../../src/ingest/progress-line.js'

/** The part of a terminal stream ProgressLine uses, recording what it writes. */
interface FakeStream {
  isTTY: boolean
  writes: string[]
  write(text: string): number
}

const fakeStream = (isTTY: boolean): FakeStream & NodeJS.WriteStream => {
  const writes: string[] = []
  const stream: FakeStream = {isTTY, writes, write: (text) => writes.push(text)}
  return stream as FakeStream & NodeJS.WriteStream
}

const progress = {source: 'a.log', lines: 5000, accepted: 4990, rejected: 10, bytesRead: 500, totalBytes: 1000}

test('on a terminal: one rewritten line with the file, share, counts and rate; cleared at the end', () => {
  const stream = fakeStream(true)
  const line = new ProgressLine(stream, {quietMs: 0, intervalMs: 0})
  line.update(progress)
  line.update({...progress, source: '-', totalBytes: undefined})
  line.done()
  assert.equal(stream.writes.length, 3)
  assert.match(stream.writes[0], /^\r\u001B\[Ka\.log 50%: 5000 lines \(accepted 4990, rejected 10\), \d+ lines\/s$/)
  assert.match(stream.writes[1], /^\r\u001B\[Kstdin: 5000 lines/)
  assert.equal(stream.writes[2], '\r\u001B[K')
})

test('silent when not a terminal, and for small inputs done within the quiet period', () => {
  const pipe = fakeStream(false)
  const piped = new ProgressLine(pipe, {quietMs: 0, intervalMs: 0})
  piped.update(progress)
  piped.done()
  assert.deepEqual(pipe.writes, [])
  const tty = fakeStream(true)
  const quick = new ProgressLine(tty, {quietMs: 60_000})
  quick.update(progress)
  quick.done()
  assert.deepEqual(tty.writes, [])
})
