/**
 * The follower's parse thread (a worker_threads entry): holds a
 * `LineBatcher` for the file being followed and does its work (splitting,
 * parsing, packing) off the thread that reads and commits. Messages are
 * handled in order, so a `take` covers exactly the bytes pushed before it.
 */
import {parentPort} from 'node:worker_threads'

import type {Batch} from '../batch-builder.js'
import {transferList} from '../../db/bulk/packed-logs.js'
import type {ReadStart} from '../read-batches.js'
import {LineBatcher} from './line-batcher.js'

/** What the reading thread sends. */
export type BatcherRequest =
  | {type: 'start'; source: string; start: ReadStart}
  | {type: 'push'; chunk: Uint8Array}
  | {type: 'end'}
  | {type: 'take'}

/** What the parse thread answers to a `take` (or a failure, to any message). */
export type BatcherReply = {type: 'batch'; batch: Batch} | {type: 'crash'; message: string; stack?: string}

const port = parentPort!
let batcher: LineBatcher | undefined

port.on('message', (request: BatcherRequest) => {
  try {
    switch (request.type) {
      case 'start': {
        batcher = new LineBatcher(request.source, request.start)
        break
      }

      case 'push': {
        batcher!.push(Buffer.from(request.chunk.buffer, request.chunk.byteOffset, request.chunk.byteLength))
        break
      }

      case 'end': {
        batcher!.end()
        break
      }

      case 'take': {
        const batch = batcher!.take()
        port.postMessage({type: 'batch', batch} satisfies BatcherReply, transferList(batch.logs))
        break
      }
    }
  } catch (error) {
    port.postMessage({type: 'crash', message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack} satisfies BatcherReply)
  }
})
