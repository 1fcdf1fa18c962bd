import type {RejectedInsert} from '../db/log-writer.js'
import {PackedLogsBuilder, type PackedLogs} from '../db/packed-logs.js'
import {MAX_LINE_BYTES, parseLine} from '../logs/parse.js'

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
  /** Lines read from the input so far (the last line number). */
  lines: number
  /** Bytes read from the input so far. */
  bytesRead: number
}

/**
 * Turns numbered lines of one input into `logs` rows and `rejected_lines`
 * rows: blank lines are skipped, everything else is either accepted or
 * rejected with its line number and reason. A NILVALUE timestamp becomes
 * the time the input was opened.
 */
export class BatchBuilder {
  readonly #source: string
  readonly #receivedAt: string
  #logs = new PackedLogsBuilder()
  #rejected: RejectedInsert[] = []
  #blank = 0

  constructor(source: string, receivedAt: string) {
    this.#source = source
    this.#receivedAt = receivedAt
  }

  /** Rows waiting to be taken. */
  get size(): number {
    return this.#logs.count + this.#rejected.length
  }

  /** True when the rows waiting should be taken whatever their count (see {@link MAX_BATCH_CHARS}). */
  get full(): boolean {
    return this.#logs.chars >= MAX_BATCH_CHARS
  }

  /** Adds one line (`tooLongBytes` > 0: the line was too long and `text` is only its start). */
  add(lineNo: number, text: string, tooLongBytes: number): void {
    if (tooLongBytes > 0) return this.#reject(lineNo, `line too long (${tooLongBytes} bytes, max ${MAX_LINE_BYTES})`, text)
    if (text.length === 0 || text.trim() === '') {
      this.#blank++
      return
    }

    if (text.includes('\0')) return this.#reject(lineNo, 'NUL byte in line', text)
    const result = parseLine(text)
    if (!result.ok) return this.#reject(lineNo, result.reason, text)
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

  /** Takes the rows added so far. */
  take(lines: number, bytesRead: number): Batch {
    const batch = {logs: this.#logs.take(), rejected: this.#rejected, blank: this.#blank, lines, bytesRead}
    this.#rejected = []
    this.#blank = 0
    return batch
  }

  #reject(lineNo: number, reason: string, text: string): void {
    // PostgreSQL text cannot hold NUL
    this.#rejected.push({source: this.#source, line_no: lineNo, reason, raw_line: text.replaceAll('\0', '\uFFFD'), received_at: this.#receivedAt})
  }
}
