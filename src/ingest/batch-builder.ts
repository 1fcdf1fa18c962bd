import type {RejectedInsert} from '../db/log-writer.js'
import {PackedLogsBuilder, type PackedLogs} from '../db/bulk/packed-logs.js'
import {MAX_LINE_BYTES, parseLine} from '../logs/parse.js'
import {CONTROL_BYTES, STORED_ESCAPED, escapeBytes, escapeControl} from './escape-control.js'

const BLANK = /^[ \t]*$/

/** How much of the start of an input refused as binary is kept in `rejected_lines`. */
export const REFUSED_HEAD_BYTES = 256

/**
 * Characters of packed rows after which a batch is full whatever its line
 * count: far below V8's longest string (2^29 - 24), since lines may be long.
 */
export const MAX_BATCH_CHARS = 64 * 1024 * 1024

/** Lines turned into rows: what one transaction will write. */
export interface Batch {
  /** Packed: cheap to hand from the parse thread to the writing thread. */
  logs: PackedLogs
  rejected: RejectedInsert[]
  /** Blank lines skipped since the previous batch. */
  blank: number
  /** The number of the batch's last line (lines of the input before it included). */
  lines: number
  /** Bytes read from the input so far (for a progress line). */
  bytesRead: number
  /** Where the input's bytes after the batch's last line start: what a resumed run skips. */
  endOffset: number
}

/**
 * Turns numbered lines of one input into `logs` rows and `rejected_lines`
 * rows: blank lines are skipped, everything else is either accepted or
 * rejected with its line number and reason. A NILVALUE timestamp becomes
 * the time the input was opened.
 */
export class BatchBuilder {
  readonly #source: string
  #receivedAt: string
  #logs = new PackedLogsBuilder()
  #rejected: RejectedInsert[] = []
  #blank = 0

  constructor(source: string, receivedAt: string) {
    this.#source = source
    this.#receivedAt = receivedAt
  }

  /** When the lines added from now on were received (the syslog receiver's spool replays batches received at different times). */
  set receivedAt(at: string) {
    this.#receivedAt = at
  }

  /** Rows waiting to be taken. */
  get size(): number {
    return this.#logs.count + this.#rejected.length
  }

  /** True when the rows waiting should be taken whatever their count (see {@link MAX_BATCH_CHARS}). */
  get full(): boolean {
    return this.#logs.chars >= MAX_BATCH_CHARS
  }

  /**
   * Adds one line (`tooLongBytes` > 0: the line was too long and `text` is
   * only its start). `source` names where it came from when a rejection
   * must say something else than the builder's source (the syslog
   * receiver's peers share one builder); `maxBytes` is the limit the line
   * broke.
   */
  add(lineNo: number, text: string, tooLongBytes: number, source: string = this.#source, maxBytes: number = MAX_LINE_BYTES): void {
    if (tooLongBytes > 0) return this.#reject(lineNo, `line too long (${tooLongBytes} bytes, max ${maxBytes})`, text, source)
    // blank: spaces and tabs only (`trim()` would also skip form feeds and vertical tabs: control bytes an attacker could hide a line in)
    if (text.length === 0 || ((text.charCodeAt(0) === 32 || text.charCodeAt(0) === 9) && BLANK.test(text))) {
      this.#blank++
      return
    }

    // ~0.3 us a line on the parse thread (measured over the benchmark's 1M lines), which is not the bottleneck
    const control = CONTROL_BYTES.exec(text)
    if (control !== null) return this.#reject(lineNo, controlReason(text, control), text, source)
    const result = parseLine(text)
    if (!result.ok) return this.#reject(lineNo, result.reason, text, source)
    const {line} = result
    this.#logs.add({
      timestamp: line.timestamp ?? this.#receivedAt,
      decky: line.decky,
      service: line.service,
      event_type: line.eventType,
      attacker_ip: line.attackerIp,
      raw_line: text,
      fields: JSON.stringify(line.fields),
      msg: line.msg,
    })
  }

  /**
   * Records that the input is refused whole as binary (line number 0: the
   * input as a whole), with why and its first bytes escaped, so the refusal
   * is in `rejected_lines` like any other rejection.
   */
  refuseBinary(why: string, head: Uint8Array): void {
    const kept = head.subarray(0, REFUSED_HEAD_BYTES)
    const reason = `input refused as binary: ${why}; its first ${kept.length} bytes stored escaped (\\xNN; a backslash as \\\\)`
    this.#rejected.push({source: this.#source, line_no: 0, reason, raw_line: escapeBytes(kept), received_at: this.#receivedAt})
  }

  /** Takes the rows added so far. */
  take(lines: number, bytesRead: number, endOffset: number): Batch {
    const batch = {logs: this.#logs.take(), rejected: this.#rejected, blank: this.#blank, lines, bytesRead, endOffset}
    this.#rejected = []
    this.#blank = 0
    return batch
  }

  #reject(lineNo: number, reason: string, text: string, source: string = this.#source): void {
    // an attacker's bytes are kept, but printable (and PostgreSQL text cannot hold NUL)
    const escape = CONTROL_BYTES.test(text)
    const row = {source, line_no: lineNo, reason: escape && !reason.endsWith(STORED_ESCAPED) ? `${reason}; ${STORED_ESCAPED}` : reason, raw_line: escape ? escapeControl(text) : text, received_at: this.#receivedAt}
    this.#rejected.push(row)
  }
}

function controlReason(text: string, first: RegExpExecArray): string {
  let count = 0
  for (const c of text) if (CONTROL_BYTES.test(c)) count++
  const code = first[0].charCodeAt(0).toString(16).padStart(2, '0')
  return `control byte \\x${code} in line (at character ${first.index + 1}, ${count} in all); ${STORED_ESCAPED}`
}
