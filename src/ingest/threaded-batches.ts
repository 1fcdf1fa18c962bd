import {Worker} from 'node:worker_threads'

import type {Batch} from './batch-builder.js'
import {InputError} from './input-error.js'
import type {ParseThreadData, ParseThreadMessage} from './parse-thread.js'

/**
 * Like `readBatches` for a file, but the reading and parsing run on a worker
 * thread, so they overlap with the database writes on this thread. Yields
 * each batch with the file's size; acknowledges it when the next one is
 * asked for. The thread is always stopped when the loop ends, even early;
 * an aborted `signal` ends the loop at once (no more batches).
 */
export async function* threadedBatches(data: ParseThreadData, signal?: AbortSignal): AsyncGenerator<{batch: Batch; totalBytes: number | undefined}> {
  const {source} = data
  const worker = new Worker(new URL('parse-thread.js', import.meta.url), {workerData: data})
  const inbox: ParseThreadMessage[] = []
  let wake: (() => void) | undefined
  let exited: Error | undefined
  worker.on('message', (message: ParseThreadMessage) => {
    inbox.push(message)
    wake?.()
  })
  worker.on('error', (error) => {
    exited = error
    wake?.()
  })
  worker.on('exit', (code) => {
    exited ??= new Error(`the ingest parse thread stopped (exit code ${code}) before finishing ${source}`)
    wake?.()
  })

  const onAbort = (): void => wake?.()
  signal?.addEventListener('abort', onAbort)
  try {
    for (;;) {
      while (inbox.length === 0) {
        if (signal?.aborted) return
        if (exited) throw exited
        await new Promise<void>((resolve) => (wake = resolve))
      }

      const message = inbox.shift()!
      switch (message.type) {
        case 'batch': {
          yield {batch: message.batch, totalBytes: message.totalBytes}
          worker.postMessage('ack')
          break
        }

        case 'end': {
          return
        }

        case 'input-error': {
          throw new InputError(message.kind, source, message.message, {code: message.code})
        }

        case 'crash': {
          throw Object.assign(new Error(`ingest parse thread failed: ${message.message}`), {stack: message.stack})
        }
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    worker.removeAllListeners('exit')
    await worker.terminate()
  }
}
