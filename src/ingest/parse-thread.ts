/**
 * The ingest parse thread (a worker_threads entry): reads one input file
 * (through the descriptor the main thread opened, from where it says),
 * splits and parses its lines, and posts batches of packed rows to the main thread,
 * which writes them. At most two batches are in flight: the thread waits for
 * an `ack` before running further ahead, so memory stays bounded when the
 * database is the slower side.
 */
import {parentPort, workerData} from 'node:worker_threads'

import {transferList} from '../db/bulk/packed-logs.js'
import {InputError} from './input-error.js'
import {readFrom} from './open-input.js'
import {readBatches} from './read-batches.js'
import type {ReadStart} from './read-batches.js'

/** What the main thread hands the parse thread. */
export interface ParseThreadData {
  source: string
  batchSize: number
  /** The open file: the main thread owns (and closes) it. */
  fd: number
  /** False for a pipe or device: read from where it is. */
  regular: boolean
  start: ReadStart
  /** The file's size at open, for progress lines. */
  size: number | undefined
}

/** What the parse thread posts. */
export type ParseThreadMessage =
  | {type: 'batch'; batch: import('./batch-builder.js').Batch; totalBytes: number | undefined}
  | {type: 'end'}
  | {type: 'input-error'; kind: 'unreadable' | 'binary'; code?: string; message: string}
  | {type: 'crash'; message: string; stack?: string}

const MAX_IN_FLIGHT = 2

const port = parentPort!
const {source, batchSize, fd, regular, start, size} = workerData as ParseThreadData
let inFlight = 0
let wake: (() => void) | undefined
port.on('message', () => {
  inFlight--
  wake?.()
})

const post = (message: ParseThreadMessage): void => port.postMessage(message)

try {
  for await (const batch of readBatches(readFrom(fd, start.offset, regular), source, batchSize, start)) {
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve))
    inFlight++
    // the packed rows' buffers move to the main thread, not copied
    port.postMessage({type: 'batch', batch, totalBytes: size} satisfies ParseThreadMessage, transferList(batch.logs))
  }

  post({type: 'end'})
} catch (error) {
  if (error instanceof InputError) post({type: 'input-error', kind: error.kind, code: error.code, message: error.message})
  else post({type: 'crash', message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack})
}

port.close()
