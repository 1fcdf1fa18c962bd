import type {Readable} from 'node:stream'

import {MAX_LINE_BYTES} from '../logs/parse.js'
import {BatchBuilder} from './batch-builder.js'
import type {Batch} from './batch-builder.js'
import {InputError, unreadable} from './input-error.js'
import {LineSplitter} from './line-splitter.js'
import {BINARY_SNIFF_BYTES, looksBinary} from './looks-binary.js'

/**
 * Reads an input stream and yields its lines as batches of `batchSize`
 * rows (blank lines do not count; the last batch is smaller, maybe empty; a
 * batch of very long lines is cut earlier, see `MAX_BATCH_CHARS`). The first few KiB decide
 * whether the input is text at all: binary junk throws an `InputError`
 * before anything is yielded. A read error yields the complete lines read
 * so far, then throws an `InputError`.
 */
export async function* readBatches(stream: Readable, source: string, batchSize: number): AsyncGenerator<Batch> {
  const builder = new BatchBuilder(source, new Date().toISOString())
  let bytesRead = 0
  const ready: Batch[] = []
  const splitter = new LineSplitter((lineNo, text, tooLong) => {
    builder.add(lineNo, text, tooLong)
    if (builder.size >= batchSize || builder.full) ready.push(builder.take(lineNo, bytesRead))
  }, MAX_LINE_BYTES)
  let head: Buffer[] | undefined = []
  let headBytes = 0
  const sniff = (): void => {
    const start = Buffer.concat(head!, headBytes)
    head = undefined
    if (looksBinary(start)) throw new InputError('binary', source, `${source === '-' ? 'standard input' : source} is not text (binary data)`)
    splitter.push(start)
  }

  let failure: InputError | undefined
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
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
    if (error instanceof InputError) throw error
    failure = unreadable(source, error)
  }

  if (failure === undefined) {
    if (head !== undefined) sniff()
    splitter.end()
  }

  yield* ready
  yield builder.take(splitter.lineCount, bytesRead)
  if (failure) throw failure
}
