import {MAX_LINE_BYTES} from '../../logs/parse.js'
import {BatchBuilder, type Batch} from '../batch-builder.js'
import {LineSplitter} from '../line-splitter.js'
import type {ReadStart} from '../read-batches.js'

/**
 * Lines of a growing input turned into batches on demand: bytes are pushed
 * as they are read, complete lines become rows at once, and the caller
 * decides when to take them (a full batch, or a flush deadline). A partial
 * last line stays buffered until its newline arrives (or {@link end}).
 */
export class LineBatcher {
  readonly #splitter: LineSplitter
  readonly #builder: BatchBuilder
  #bytesRead = 0
  #takenEnd: number
  /** When the oldest line not yet taken was completed (ms since the epoch), 0 when none. */
  #pendingSince = 0

  constructor(source: string, start: ReadStart) {
    this.#builder = new BatchBuilder(source, new Date().toISOString())
    this.#takenEnd = start.offset
    this.#splitter = new LineSplitter((lineNo, text, tooLong) => this.#builder.add(lineNo, text, tooLong), MAX_LINE_BYTES, start)
  }

  /** Feeds bytes read. */
  push(chunk: Buffer): void {
    this.#bytesRead += chunk.length
    this.#splitter.push(chunk)
    if (this.#pendingSince === 0 && this.hasPending) this.#pendingSince = Date.now()
  }

  /** Ends a partial last line (the input will not grow any more: rotated away, or end of a stream). */
  end(): void {
    this.#splitter.end()
    if (this.#pendingSince === 0 && this.hasPending) this.#pendingSince = Date.now()
  }

  /** Complete lines (blank ones included) not yet taken. */
  get hasPending(): boolean {
    return this.#splitter.lineEnd > this.#takenEnd
  }

  /** Rows waiting (blank lines not counted). */
  get rows(): number {
    return this.#builder.size
  }

  /** True when the rows waiting are too large to wait for more (see `MAX_BATCH_CHARS`). */
  get full(): boolean {
    return this.#builder.full
  }

  /** When the oldest line waiting was read (ms since the epoch); 0 when none waits. */
  get pendingSince(): number {
    return this.#pendingSince
  }

  /** The offset just after the last complete line read. */
  get lineEnd(): number {
    return this.#splitter.lineEnd
  }

  /** Takes the complete lines read so far as one batch. */
  take(): Batch {
    const batch = this.#builder.take(this.#splitter.lineCount, this.#bytesRead, this.#splitter.lineEnd)
    // a NILVALUE timestamp is stored as the time its line was read, not the time following started; the builder is
    // kept (its buffers stay as grown: a new one per batch grew them from 1 MiB again, copying, each time)
    this.#builder.receivedAt = new Date().toISOString()
    this.#takenEnd = this.#splitter.lineEnd
    this.#pendingSince = 0
    return batch
  }
}
