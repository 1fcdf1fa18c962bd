/**
 * The follower parses on a thread (ThreadedLineBatcher): for the same bytes,
 * pushed in the same chunks, it must give the batches LineBatcher gives on
 * the reading thread (rows, rejections, line numbers, offsets), and its own
 * counts (pending lines, the line end) must agree with them.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

// from dist/: the parse thread is a Worker started from the file next to it (batcher-thread.js), which src/ does not have
import {ThreadedLineBatcher} from '../../dist/ingest/follow/threaded-line-batcher.js'
import {unpackLogs} from '../../src/db/bulk/packed-logs.js'
import type {Batch} from '../../src/ingest/batch-builder.js'
import {LineBatcher} from '../../src/ingest/follow/line-batcher.js'
import {numberedLines} from '../helpers/numbered-lines.js'

/** A batch without what depends on the moment it was built (a rejection's receipt time). */
const comparable = (batch: Batch) => ({
  ...batch,
  logs: unpackLogs(batch.logs),
  rejected: batch.rejected.map(({received_at: _, ...row}) => row),
})

/** `bytes` cut into chunks of the given sizes, in turn. */
const chunked = (bytes: Buffer, sizes: readonly number[]): Buffer[] => {
  const chunks: Buffer[] = []
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]
    chunks.push(Buffer.from(bytes.subarray(at, at + size)))
    at += size
  }

  return chunks
}

describe('ThreadedLineBatcher', () => {
  test('gives the batches LineBatcher gives for the same chunks: cut mid-line, CRLF, blank, junk, control bytes, a partial last line', async (t) => {
    const text = `${numberedLines(1, 450)}\r\n<38>1 2026-11-26T13:32:00.000Z decky-1 ssh - command [relay@55555 command="a\tb"] tab\tand \\ backslash\r\nbad \u0001 control\n\n  \t\nü😈 not syslog\n${numberedLines(451, 700)}partial <38>1`
    const chunks = chunked(Buffer.from(text), [1, 7, 300, 4096, 13, 65_536])
    const start = {line: 3, offset: 120}
    const threaded = new ThreadedLineBatcher()
    t.after(() => threaded.close())
    threaded.start('decnet.log', start)
    const plain = new LineBatcher('decnet.log', start)
    const got: Batch[] = []
    const expected: Batch[] = []
    for (const [i, chunk] of chunks.entries()) {
      plain.push(Buffer.from(chunk))
      threaded.push(chunk)
      assert.equal(threaded.hasPending, plain.hasPending, `after chunk ${i}`)
      assert.equal(threaded.lineEnd, plain.lineEnd, `after chunk ${i}`)
      if (i % 5 === 4) {
        expected.push(plain.take())
        got.push(await threaded.take())
      }
    }

    plain.end()
    threaded.end()
    assert.equal(threaded.lineEnd, plain.lineEnd)
    assert.equal(threaded.hasPending, true)
    expected.push(plain.take())
    got.push(await threaded.take())
    assert.equal(threaded.hasPending, false)
    assert.deepEqual(got.map(comparable), expected.map(comparable))
    assert.equal(got.at(-1)!.endOffset, start.offset + Buffer.byteLength(text))
    assert.ok(got.reduce((rows, batch) => rows + batch.logs.count, 0) > 600)
  })

  test('starts again on another file: its counts and line numbers restart', async (t) => {
    const threaded = new ThreadedLineBatcher()
    t.after(() => threaded.close())
    threaded.start('a.log', {line: 0, offset: 0})
    threaded.push(Buffer.from(numberedLines(1, 10)))
    threaded.start('b.log', {line: 0, offset: 0})
    assert.equal(threaded.hasPending, false)
    threaded.push(Buffer.from(numberedLines(1, 3, 'b')))
    assert.equal(threaded.rows, 3)
    const batch = await threaded.take()
    assert.deepEqual([batch.lines, batch.logs.count, batch.endOffset], [3, 3, Buffer.byteLength(numberedLines(1, 3, 'b'))])
    assert.match(unpackLogs(batch.logs)[0].raw_line, / b attempt 1$/)
  })
})
