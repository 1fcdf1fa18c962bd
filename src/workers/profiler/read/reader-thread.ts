/**
 * The profiler's reading thread (a worker_threads entry, see `ThreadReader`):
 * on its own connection to a SQLite database, reads the batch of lines after
 * the cursor it is given, as JSON texts (see `readLineTexts`), and posts
 * them. One read at a time, in the order asked.
 */
import {parentPort, workerData} from 'node:worker_threads'

import type {DatabaseTarget} from '../../../db/url.js'
import type {LineTexts} from './read-lines.js'

import {openDatabase} from '../../../db/open.js'
import {readLineTexts} from './read-lines.js'

/** What the profiler hands the thread. */
export interface ReadThreadData {
  /** The SQLite database, parsed (see `ThreadReader.canRead`). */
  database: DatabaseTarget
  batchSize: number
  maxChars: number | undefined
}

/** What the profiler asks: the batch after cursor `after`, or to stop. */
export type ReadRequest = {type: 'read'; id: number; after: number} | {type: 'close'}

/** What the thread answers. */
export type ReadAnswer = {type: 'read'; id: number; read: LineTexts} | {type: 'failed'; id: number; message: string}

const port = parentPort!
const {batchSize, database, maxChars} = workerData as ReadThreadData
const opened = openDatabase(database)
opened.catch(() => {}) // each read reports it
let queue: Promise<void> = Promise.resolve()

port.on('message', (request: ReadRequest) => {
  queue = queue.then(() => (request.type === 'read' ? answer(request.id, request.after) : close()))
})

async function answer(id: number, after: number): Promise<void> {
  let reply: ReadAnswer
  try {
    const db = await opened
    reply = {id, read: await readLineTexts(db, after, batchSize, maxChars), type: 'read'}
  } catch (error) {
    reply = {id, message: (error as Error).message, type: 'failed'}
  }

  port.postMessage(reply)
}

async function close(): Promise<void> {
  await (await opened.catch(() => undefined))?.destroy()
  port.close()
}
