import {MAX_LINE_BYTES} from '../logs/parse.js'
import {BatchBuilder} from './batch-builder.js'
import type {Batch} from './batch-builder.js'
import {InputError, unreadable} from './input-error.js'
import {LineSplitter} from './line-splitter.js'
import {BINARY_SNIFF_BYTES, looksBinary} from './looks-binary.js'
import {FLUSH} from './timed-chunks.js'

/** Where reading starts: after line `line`, at byte `offset` of the input (the stream starts there). */
export interface ReadStart {
  line: number
  offset: number
}

/**
 * Reads an input stream and yields its lines as batches of `batchSize`
 * rows (blank lines do not count; the last batch is smaller, maybe empty; a
 * batch of very long lines is cut earlier, see `MAX_BATCH_CHARS`). The first few KiB decide
 * whether the input is text at all: an overwhelmingly binary input yields
 * one batch holding only its refusal (a `rejected_lines` row), then throws an
 * `InputError`. A read error yields the complete lines read so far, then
 * throws an `InputError`. Each batch says where the bytes after its last
 * line start (`endOffset`), counted from the input's start. A `FLUSH` in the
 * stream (see `timedChunks`) yields the complete lines read so far at once,
 * however few: a trickling pipe is committed without waiting for a full batch.
 */
export async function* readBatches(stream: AsyncIterable<Buffer | typeof FLUSH>, source: string, batchSize: number, start: ReadStart = {line: 0, offset: 0}): AsyncGenerator<Batch> {
  const builder = new BatchBuilder(source, new Date().toISOString())
  let bytesRead = 0
  const ready: Batch[] = []
  const splitter: LineSplitter = new LineSplitter((lineNo, text, tooLong) => {
    builder.add(lineNo, text, tooLong)
    if (builder.size >= batchSize || builder.full) ready.push(builder.take(lineNo, bytesRead, splitter.lineEnd))
  }, MAX_LINE_BYTES, start)
  let head: Buffer[] | undefined = []
  let headBytes = 0
  let refused: Batch | undefined
  const sniff = (): void => {
    const first = Buffer.concat(head!, headBytes)
    head = undefined
    const verdict = looksBinary(first)
    if (verdict.binary) {
      const from = start.offset > 0 ? ` from byte ${start.offset}` : ''
      builder.refuseBinary(`${verdict.notText} of its first ${verdict.sampled} bytes${from} are not text (NUL, control bytes, invalid UTF-8) and no line starts like RFC 5424`, first)
      refused = builder.take(start.line, bytesRead, start.offset)
      throw new InputError('binary', source, `${source === '-' ? 'standard input' : source} is not text (binary data); the refusal is in rejected_lines`)
    }

    splitter.push(first)
  }

  let failure: InputError | undefined
  let takenEnd = start.offset
  try {
    for await (const chunk of stream) {
      if (chunk === FLUSH) {
        if (head !== undefined && headBytes > 0) sniff()
        if (splitter.lineEnd > takenEnd || builder.size > 0) ready.push(builder.take(splitter.lineCount, bytesRead, splitter.lineEnd))
        takenEnd = splitter.lineEnd
        while (ready.length > 0) yield ready.shift()!
        continue
      }

      bytesRead += chunk.length
      if (head === undefined) {
        splitter.push(chunk)
      } else {
        head.push(chunk)
        headBytes += chunk.length
        if (headBytes < BINARY_SNIFF_BYTES) continue
        sniff()
      }

      while (ready.length > 0) yield ready.shift()!
    }
  } catch (error) {
    failure = error instanceof InputError ? error : unreadable(source, error)
  }

  if (failure === undefined) {
    try {
      if (head !== undefined) sniff()
      splitter.end()
    } catch (error) {
      failure = error as InputError
    }
  }

  if (refused) {
    yield refused
  } else {
    yield* ready
    yield builder.take(splitter.lineCount, bytesRead, splitter.lineEnd)
  }

  if (failure) throw failure
}
