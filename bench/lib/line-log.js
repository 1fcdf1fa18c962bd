/**
 * Line-oriented capture of a process's output (a pipe) or of a log file,
 * with the arrival time of every line (performance.now() of the harness),
 * and promises that wait for a line matching a pattern.
 */
import {closeSync, openSync, readSync, watch} from 'node:fs'

/** Lines with their arrival times, and waiters for future lines. */
export class LineLog {
  #partial = ''
  #waiters = new Set()
  /** @type {{t: number, text: string}[]} */
  lines = []

  /** @param {LineLog} [forward] - also receives every whole line (to merge stdout and stderr). */
  constructor(forward) {
    this.forward = forward
  }

  /** Feeds raw text received at time `t`. */
  push(chunk, t = performance.now()) {
    const parts = (this.#partial + chunk).split('\n')
    this.#partial = parts.pop()
    for (const text of parts) this.pushLine(text, t)
  }

  /** Feeds one whole line received at time `t`. */
  pushLine(text, t = performance.now()) {
    const index = this.lines.push({t, text}) - 1
    for (const waiter of this.#waiters) this.#offer(waiter, index)
    this.forward?.pushLine(text, t)
  }

  /** A position to pass as `since`, so only lines arriving later count. */
  mark() {
    return this.lines.length
  }

  /**
   * Resolves with {t, text, match, index} for the first line at or after
   * `since` that matches `pattern`; rejects after `timeoutMs`.
   */
  waitFor(pattern, {since = 0, timeoutMs = 30_000, what = String(pattern)} = {}) {
    return new Promise((resolve, reject) => {
      const waiter = {pattern, resolve, reject, timer: undefined}
      for (let index = since; index < this.lines.length; index++) {
        if (this.#offer(waiter, index)) return
      }
      waiter.timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last lines:\n${this.tail(8)}`))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  /** Rejects every pending waiter (the source ended). */
  fail(reason) {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer)
      waiter.reject(new Error(`${reason}; last lines:\n${this.tail(8)}`))
    }
    this.#waiters.clear()
  }

  /** The last `n` lines, for error messages. */
  tail(n) {
    return this.lines.slice(-n).map((line) => `  ${line.text}`).join('\n')
  }

  #offer(waiter, index) {
    const line = this.lines[index]
    const match = waiter.pattern.exec(line.text)
    if (!match) return false
    clearTimeout(waiter.timer)
    this.#waiters.delete(waiter)
    waiter.resolve({index, match, t: line.t, text: line.text})
    return true
  }
}

/** Captures a readable stream (a child's stdout/stderr) into `log`, line by line. */
export function captureStream(stream, log) {
  stream.setEncoding('utf8')
  stream.on('data', (chunk) => log.push(chunk))
  return log
}

/**
 * Follows a file that another process appends to (PM2's pm2.log): inotify
 * through fs.watch, plus a slow poll in case an event is coalesced. Call
 * `close()` when done.
 */
export class FileFollower {
  #fd
  #offset = 0
  #watcher
  #poll
  #buffer = Buffer.alloc(64 * 1024)

  constructor(path, log, {fromEnd = true, pollMs = 50} = {}) {
    this.log = log
    this.#fd = openSync(path, 'r')
    if (fromEnd) {
      while (this.#readChunk() > 0) {
        // skip what is there already
      }
    }
    this.#watcher = watch(path, () => this.#drain())
    this.#poll = setInterval(() => this.#drain(), pollMs)
  }

  /** Stops following and closes the file. */
  close() {
    this.#watcher.close()
    clearInterval(this.#poll)
    closeSync(this.#fd)
  }

  #drain() {
    const t = performance.now()
    let bytes
    while ((bytes = this.#readChunk()) > 0) this.log.push(this.#buffer.toString('utf8', 0, bytes), t)
  }

  #readChunk() {
    const bytes = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, this.#offset)
    this.#offset += bytes
    return bytes
  }
}
