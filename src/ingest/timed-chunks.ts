/** Marks, in a stream of chunks, the moment to commit the complete lines read so far (see `readBatches`). */
export const FLUSH: unique symbol = Symbol('flush')

/**
 * The chunks of a stream, with a {@link FLUSH} at most `flushMs` after the
 * first chunk that followed the previous flush: lines that trickle in (a
 * `tail -F` into a pipe) are committed within `flushMs`, while a stream that
 * pours still fills whole batches in between. An idle stream gets no flush.
 *
 * @example
 * ```ts
 * for await (const batch of readBatches(timedChunks(process.stdin, 1000), '-', 20_000)) await write(batch)
 * ```
 */
export async function* timedChunks(source: AsyncIterable<Buffer>, flushMs: number): AsyncGenerator<Buffer | typeof FLUSH> {
  const iterator = source[Symbol.asyncIterator]()
  let pending = iterator.next()
  let deadline: number | undefined
  let finished = false
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined
      const next =
        deadline === undefined
          ? await pending
          : await Promise.race([pending, new Promise<typeof FLUSH>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline! - Date.now()), FLUSH)))])
      clearTimeout(timer)
      if (next === FLUSH) {
        deadline = undefined
        yield FLUSH
        continue
      }

      if (next.done) {
        finished = true
        return
      }

      deadline ??= Date.now() + flushMs
      yield next.value
      pending = iterator.next()
    }
  } finally {
    // stopped early: let the source go (not awaited: a read may still be pending on it)
    if (!finished) iterator.return?.()?.catch(() => undefined)
  }
}
