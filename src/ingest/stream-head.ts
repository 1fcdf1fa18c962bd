/** A stream split into its first bytes and the whole of it (those bytes included), read once. */
export interface HeadAndStream {
  /** At least `bytes` bytes, unless the stream is shorter. */
  head: Buffer
  /** Every byte of the stream, from its start. */
  stream: AsyncIterable<Buffer>
}

/**
 * Reads the first `bytes` bytes of a stream that cannot be read twice
 * (standard input), keeping them for the rest of the reading.
 */
export async function streamHead(source: AsyncIterable<Buffer>, bytes: number): Promise<HeadAndStream> {
  const iterator = source[Symbol.asyncIterator]()
  const pulled: Buffer[] = []
  let length = 0
  let done = false
  while (length < bytes) {
    const next = await iterator.next()
    if (next.done) {
      done = true
      break
    }

    pulled.push(next.value)
    length += next.value.length
  }

  async function* all(): AsyncGenerator<Buffer> {
    yield* pulled
    if (done) return
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
  }

  return {head: Buffer.concat(pulled, length), stream: all()}
}

/** The stream without its first `bytes` bytes (a resumed standard input). */
export async function* skipBytes(source: AsyncIterable<Buffer>, bytes: number): AsyncGenerator<Buffer> {
  let left = bytes
  for await (const chunk of source) {
    if (left >= chunk.length) {
      left -= chunk.length
      continue
    }

    yield left > 0 ? chunk.subarray(left) : chunk
    left = 0
  }
}
