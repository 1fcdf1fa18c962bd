/**
 * Waiting for a stream's queued writes to leave the process, before it exits.
 * Imports nothing, so the child entry can use it too.
 */

/**
 * Resolves once everything written to `stream` so far is out (or the stream
 * is broken, or `timeoutMs` has passed), so a caller about to exit loses
 * nothing.
 *
 * It writes an empty chunk and waits for its callback: writes complete in
 * order, so that callback means every earlier write is done. ('drain' is no
 * use here: it fires only after a write() returned false, and a queue shorter
 * than the high-water mark never does that.) The pending write keeps the event
 * loop alive; the timer does not.
 */
export function flushed(stream: NodeJS.WritableStream, timeoutMs: number): Promise<void> {
  const writable = stream as NodeJS.WritableStream & {destroyed?: boolean; writableLength?: number}
  if (!writable.writableLength || writable.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => resolve()
    setTimeout(done, timeoutMs).unref()
    stream.once('close', done)
    stream.once('error', done)
    stream.write('', done)
  })
}
