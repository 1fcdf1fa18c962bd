/**
 * Children's stdout and stderr, relayed line by line with the worker's name
 * in front. Each relayed line is one `write()` of a whole line, so lines from
 * different workers never interleave mid-line.
 */
import type {Readable} from 'node:stream'

import {makeDebug} from '../util/lazy-debug.js'

const debug = makeDebug('decnet:supervisor')

/** A line longer than this (no newline yet) is relayed in pieces, so a child cannot grow the master's memory. */
export const MAX_LINE_CHARS = 64 * 1024

/**
 * Splits text into lines and writes each as `PREFIX | line`.
 *
 * @example
 * ```ts
 * const lines = new PrefixedLines('profiler', process.stdout)
 * lines.push('half a ')
 * lines.push('line\nand more')   // writes "profiler | half a line\n"
 * lines.end()                    // writes "profiler | and more\n"
 * ```
 */
export class PrefixedLines {
  readonly #prefix: string
  readonly #out: NodeJS.WritableStream
  readonly #maxChars: number
  #partial = ''

  constructor(name: string, out: NodeJS.WritableStream, maxChars = MAX_LINE_CHARS) {
    this.#prefix = `${name} | `
    this.#out = out
    this.#maxChars = maxChars
  }

  /** Adds text; writes every line it completes. */
  push(text: string): void {
    let rest = this.#partial + text
    let newline = rest.indexOf('\n')
    while (newline !== -1) {
      this.#write(rest.slice(0, newline))
      rest = rest.slice(newline + 1)
      newline = rest.indexOf('\n')
    }

    while (rest.length >= this.#maxChars) {
      this.#write(rest.slice(0, this.#maxChars))
      rest = rest.slice(this.#maxChars)
    }

    this.#partial = rest
  }

  /** The stream ended: writes the unfinished last line, if any. */
  end(): void {
    if (this.#partial !== '') this.#write(this.#partial)
    this.#partial = ''
  }

  #write(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line
    this.#out.write(`${this.#prefix}${text}\n`)
  }
}

/**
 * Relays `stream` (a child's stdout or stderr) to `out`, prefixed with
 * `name`; the partial last line is written when the stream ends.
 */
export function relayLines(stream: Readable, name: string, out: NodeJS.WritableStream): void {
  const lines = new PrefixedLines(name, out)
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => lines.push(chunk))
  stream.once('end', () => lines.end())
  stream.on('error', (error) => debug('output of worker %s: %s', name, error.message))
}
