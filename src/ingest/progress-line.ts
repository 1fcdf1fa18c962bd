import type {IngestProgress} from './ingest-options.js'

/**
 * A one-line progress display on a terminal (`\r`, cleared at the end). It
 * stays silent for small inputs (done within `quietMs`) and when the stream
 * is not a TTY, so pipes and logs get only the final summary.
 */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream
  readonly #quietMs: number
  readonly #intervalMs: number
  readonly #started = Date.now()
  #lastDraw = 0
  #drawn = false

  constructor(stream: NodeJS.WriteStream, options: {quietMs?: number; intervalMs?: number} = {}) {
    this.#stream = stream
    this.#quietMs = options.quietMs ?? 1000
    this.#intervalMs = options.intervalMs ?? 200
  }

  /** Redraws the line (at most every `intervalMs`). */
  update(progress: IngestProgress): void {
    if (!this.#stream.isTTY) return
    const now = Date.now()
    if (now - this.#started < this.#quietMs || now - this.#lastDraw < this.#intervalMs) return
    this.#lastDraw = now
    this.#drawn = true
    const seconds = Math.max(now - this.#started, 1) / 1000
    const rate = Math.round(progress.lines / seconds)
    const share = progress.totalBytes ? ` ${Math.min(100, Math.floor((progress.bytesRead / progress.totalBytes) * 100))}%` : ''
    const name = progress.source === '-' ? 'stdin' : progress.source
    this.#stream.write(`\r\u001B[K${name}${share}: ${progress.lines} lines (accepted ${progress.accepted}, rejected ${progress.rejected}), ${rate} lines/s`)
  }

  /** Clears the line if anything was drawn. */
  done(): void {
    if (this.#drawn) this.#stream.write('\r\u001B[K')
    this.#drawn = false
  }
}
