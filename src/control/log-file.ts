/**
 * Reading a daemon's log: the last lines, one worker's lines, and following
 * it as it grows.
 */
import {unwatchFile, watchFile, type Stats} from 'node:fs'
import {open, stat} from 'node:fs/promises'

import createDebug from 'debug'

const debug = createDebug('decnet:control')

/** How often `--follow` looks at the log's size. */
const FOLLOW_INTERVAL_MS = 200

/** A line's chunk size when scanning. */
const CHUNK_BYTES = 64 * 1024

/**
 * Which lines belong to worker `worker`: its own output (`W | text`) and the
 * supervisor's lines about it (`[decnet] worker W ...`). Undefined: all lines.
 */
export function workerFilter(worker: string | undefined): (line: string) => boolean {
  if (worker === undefined) return () => true
  return (line) => line.startsWith(`${worker} | `) || line.startsWith(`[decnet] worker ${worker} `)
}

/**
 * Calls `onLine` for every complete line between byte offsets `start` and
 * `end` of the file; returns the offset just past the last complete line
 * (an unfinished last line is left for later).
 */
export async function scanLines(path: string, start: number, end: number, onLine: (line: string) => void): Promise<number> {
  const handle = await open(path, 'r')
  try {
    let position = start
    let partial = Buffer.alloc(0)
    while (position < end) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, end - position))
      const {bytesRead} = await handle.read(chunk, 0, chunk.length, position)
      if (bytesRead === 0) break
      position += bytesRead
      let text = Buffer.concat([partial, chunk.subarray(0, bytesRead)])
      for (let newline = text.indexOf(10); newline !== -1; newline = text.indexOf(10)) {
        onLine(text.subarray(0, newline).toString('utf8'))
        text = text.subarray(newline + 1)
      }

      partial = text
    }

    return position - partial.length
  } finally {
    await handle.close()
  }
}

/**
 * Calls `emit` for the log's lines that pass `filter`: all of them, or only
 * the last `count` of them. Returns the offset where following should go on.
 */
export async function readLog(path: string, filter: (line: string) => boolean, count: number | undefined, emit: (line: string) => void): Promise<number> {
  const {size} = await stat(path)
  if (count === undefined) return scanLines(path, 0, size, (line) => filter(line) && emit(line))
  const kept: string[] = []
  const offset = await scanLines(path, 0, size, (line) => {
    if (!filter(line)) return
    kept.push(line)
    if (kept.length > count) kept.shift()
  })
  for (const line of kept) emit(line)
  return offset
}

/**
 * Calls `onLine` for every line appended to the log after `offset`, until
 * `signal` aborts. A log that was truncated or replaced (rotated) is read
 * again from its start.
 */
export function followLog(path: string, offset: number, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  let position = offset
  let running: Promise<void> = Promise.resolve()
  const drain = (current: Stats, previous: Stats) => {
    running = running
      .then(async () => {
        if (current.ino !== previous.ino || current.size < position) position = 0
        if (current.size > position) position = await scanLines(path, position, current.size, onLine)
      })
      .catch((error: Error) => debug('following %s: %s', path, error.message))
  }

  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    watchFile(path, {interval: FOLLOW_INTERVAL_MS, persistent: true}, drain)
    signal.addEventListener(
      'abort',
      () => {
        unwatchFile(path, drain)
        void running.then(resolve, resolve)
      },
      {once: true},
    )
  })
}
