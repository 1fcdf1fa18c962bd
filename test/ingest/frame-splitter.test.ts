import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {FrameSplitter, FramingError} from '../../src/ingest/syslog/frame-splitter.js'

/** Feeds `stream` cut into `size`-byte chunks; returns [text, tooLong] per message and what `end()` said. */
const split = (stream: string | Buffer, size: number, max = 100): {messages: Array<[string, number]>; end: string | undefined; framing: string | undefined} => {
  const messages: Array<[string, number]> = []
  const splitter = new FrameSplitter((text, tooLong) => messages.push([text, tooLong]), max)
  const bytes = Buffer.from(stream)
  for (let at = 0; at < bytes.length; at += size) splitter.push(bytes.subarray(at, at + size))
  return {messages, end: splitter.end(), framing: splitter.framing}
}

describe('FrameSplitter (RFC 6587)', () => {
  it('octet counting: the same messages whatever the chunk boundaries, multi-byte characters included', () => {
    const texts = ['<134>1 a', '<134>1 é 日本', '<134>1 with\nnewline inside']
    const stream = texts.map((text) => `${Buffer.byteLength(text)} ${text}`).join('')
    for (const size of [1, 2, 3, 7, 1000]) {
      const {messages, end, framing} = split(stream, size)
      assert.equal(framing, 'octet-counting')
      assert.deepEqual(messages, texts.map((text) => [text, 0]), `chunks of ${size}`)
      assert.equal(end, undefined)
    }
  })

  it('LF framing: CRLF and LF, a last message without newline is ended by end()', () => {
    for (const size of [1, 5, 1000]) {
      const {messages, framing} = split('<1>1 a\r\n<1>1 b\n\n<1>1 c', size)
      assert.equal(framing, 'lf')
      assert.deepEqual(messages, [['<1>1 a', 0], ['<1>1 b', 0], ['', 0], ['<1>1 c', 0]], `chunks of ${size}`)
    }
  })

  it('a newline after an octet-counted frame (common senders) is framing, not a message', () => {
    assert.deepEqual(split('4 abcd\n3 xyz\r\n', 2).messages, [['abcd', 0], ['xyz', 0]])
  })

  it('a message over the limit is skipped with its size and its first KiB, and the stream goes on', () => {
    const long = 'x'.repeat(1500)
    for (const stream of [`1500 ${long}3 abc`, `${long}\nabc\n`]) {
      for (const size of [1, 64, 1000]) {
        const {messages} = split(stream, size)
        assert.deepEqual(messages, [[long.slice(0, 1024), 1500], ['abc', 0]], `chunks of ${size} of ${stream.slice(0, 5)}`)
      }
    }
  })

  it('held bytes never pass the limit (plus one byte; or the KiB a rejection keeps), however long a message', () => {
    for (const max of [100, 4000]) {
      const splitter = new FrameSplitter(() => undefined, max)
      splitter.push(Buffer.from('<1>1 '))
      for (let i = 0; i < 1000; i++) {
        splitter.push(Buffer.alloc(64, 0x61))
        assert.ok(splitter.heldBytes <= Math.max(max + 1, 1024))
      }
    }
  })

  it('a bad MSG-LEN is a FramingError (a non-digit, a leading zero or zero, ten digits); a cut message is said at the end', () => {
    assert.throws(() => split('12x', 10), FramingError)
    assert.throws(() => split('05 hello', 10), FramingError)
    assert.throws(() => split('1234567890 a', 100), FramingError)
    assert.match(split('10 abc', 3).end!, /connection closed inside a message \(7 of its bytes missing\)/)
  })
})
