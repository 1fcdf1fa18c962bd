import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {gzipSync} from 'node:zlib'
import {describe, test} from 'node:test'

import {KEPT_PREFIX_BYTES, LineSplitter} from '../../src/ingest/line-splitter.js'
import {looksBinary} from '../../src/ingest/looks-binary.js'

type Line = [lineNo: number, text: string, tooLongBytes: number]

const split = (chunks: readonly string[], max = 100): Line[] => {
  const lines: Line[] = []
  const splitter = new LineSplitter((lineNo, text, tooLong) => lines.push([lineNo, text, tooLong]), max)
  for (const chunk of chunks) splitter.push(Buffer.from(chunk))
  splitter.end()
  return lines
}

describe('LineSplitter', () => {
  test('numbers lines from 1, drops \\n and \\r\\n, keeps empty lines, flushes a last unterminated line', () => {
    assert.deepEqual(split(['a\nb\r\n\nc']), [[1, 'a', 0], [2, 'b', 0], [3, '', 0], [4, 'c', 0]])
  })

  test('a trailing newline does not make an extra line', () => {
    assert.deepEqual(split(['a\nb\n']), [[1, 'a', 0], [2, 'b', 0]])
  })

  test('lines split across chunks, including a \\r\\n and a multi-byte character cut in two', () => {
    const euro = Buffer.from('€') // 3 bytes
    const lines: string[] = []
    const splitter = new LineSplitter((n, text) => lines.push(text), 100)
    splitter.push(Buffer.from('ab'))
    splitter.push(Buffer.concat([Buffer.from('c'), euro.subarray(0, 1)]))
    splitter.push(Buffer.concat([euro.subarray(1), Buffer.from('\r')]))
    splitter.push(Buffer.from('\nnext\n'))
    splitter.end()
    assert.deepEqual(lines, ['abc€', 'next'])
  })

  test('invalid UTF-8 becomes U+FFFD', () => {
    const lines: string[] = []
    const splitter = new LineSplitter((n, text) => lines.push(text), 100)
    splitter.push(Buffer.from([0x61, 0xff, 0x62, 0x0a]))
    assert.deepEqual(lines, ['a\uFFFDb'])
  })

  test('an over-long line is reported with its size and only a prefix, in one chunk or many', () => {
    const long = 'x'.repeat(5000)
    const one = split([`ok\n${long}\nafter\n`], 2000)
    assert.deepEqual(one.map(([n, text, size]) => [n, text.length, size]), [[1, 2, 0], [2, KEPT_PREFIX_BYTES, 5000], [3, 5, 0]])
    const many = split(['ok\n', ...(long.match(/.{1,300}/g) ?? []), '\nafter'], 2000)
    assert.deepEqual(many.map(([n, text, size]) => [n, text.length, size]), [[1, 2, 0], [2, KEPT_PREFIX_BYTES, 5000], [3, 5, 0]])
  })

  test('knows the byte offset after each line it hands out (the resume point), across chunks, CRLF, long lines and a resumed start', () => {
    const ends = (chunks: readonly string[], max = 10, start?: {line: number; offset: number}): [Array<[number, number]>, number, number] => {
      const out: Array<[number, number]> = []
      const splitter = new LineSplitter((lineNo) => out.push([lineNo, splitter.lineEnd]), max, start)
      for (const chunk of chunks) splitter.push(Buffer.from(chunk))
      splitter.end()
      return [out, splitter.lineCount, splitter.lineEnd]
    }

    assert.deepEqual(ends(['ab\r\n', 'c', 'd\n\n', 'é\n', 'tail']), [[[1, 4], [2, 7], [3, 8], [4, 11], [5, 15]], 5, 15])
    assert.deepEqual(ends(['x'.repeat(30), '\ny\n']), [[[1, 31], [2, 33]], 2, 33], 'a too-long line ends where its newline is')
    assert.deepEqual(ends(['ab\n', 'cd'], 10, {line: 41, offset: 1000}), [[[42, 1003], [43, 1005]], 43, 1005])
    assert.deepEqual(ends(['ab\nc']).slice(1), [2, 4], 'an unterminated last line ends at the end of the input')
  })

  test('a line of exactly the limit is fine', () => {
    assert.deepEqual(split(['y'.repeat(100) + '\n'], 100), [[1, 'y'.repeat(100), 0]])
  })
})

describe('looksBinary', () => {
  const binary = (bytes: Buffer): boolean => looksBinary(bytes).binary

  test('log text, UTF-8 and colour codes are text', () => {
    assert.equal(binary(Buffer.from('<38>1 2026-11-26T13:32:51Z d s - e - пароль 🙂\n\x1b[31mred\x1b[0m\t\r\n')), false)
    assert.equal(binary(Buffer.alloc(0)), false)
  })

  test('text with some NUL and control bytes is text: its bad lines are rejected one by one, not the input', () => {
    assert.equal(binary(Buffer.from('abc\0def')), false)
    assert.equal(binary(Buffer.from(`<38>1 - d s - command - echo ${'\x01'.repeat(900)}\n${'<38>1 - d s - e - ok\n'.repeat(400)}`)), false)
    // one long hostile line fills the whole sniff window, but it starts as DECNET writes a line: still text
    const start = '<38>1 2026-11-26T13:32:51Z d s - command [relay@55555 command="'
    assert.deepEqual(looksBinary(Buffer.from(`${start}${'\0'.repeat(9000)}"]`)), {binary: false, sampled: 8192, notText: 8192 - start.length})
  })

  test('overwhelmingly control bytes or undecodable bytes, with no RFC 5424 line start, is binary', () => {
    assert.equal(binary(Buffer.from('\x01\x02\x03\x04\x00ab')), true)
    assert.equal(binary(Buffer.from(Array.from({length: 400}, (_, i) => 0x80 + (i % 64)))), true)
    assert.equal(binary(Buffer.from('\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00\x01\x00\x00\x00')), true)
    assert.equal(binary(Buffer.concat([Buffer.from('<38>2 not version 1\n'), Buffer.alloc(1000, 0)])), true)
    // compressed data is about 52% not text: refused, not split into "lines" by chance
    assert.equal(binary(gzipSync(Buffer.from('<38>1 - d s - e - ok\n'.repeat(2000) + randomBytes(3000).toString('hex')))), true)
    assert.equal(binary(Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919) % 256))), true)
  })
})
