import {crc32} from 'node:zlib'

/**
 * A spool record on disk: a 16-byte header, then the payload.
 *
 * ```
 * u32 LE  payload length
 * u32 LE  CRC-32 of the sequence number's 8 bytes and the payload
 * u64 LE  sequence number
 * ...     payload
 * ```
 *
 * A record cut by a crash (its length runs past the file's end) or damaged
 * (its checksum differs) is detected; nothing after it in its segment is
 * trusted.
 */
export const RECORD_HEADER_BYTES = 16

/** The largest payload a header may announce (a larger length is damage, not a record). */
export const MAX_RECORD_PAYLOAD_BYTES = 1024 * 1024 * 1024

/** One record: its sequence number and its payload. */
export interface SpoolRecord {
  seq: number
  payload: Buffer
}

/** The header and payload of `record`, ready to append. */
export function encodeRecord(seq: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length)
  out.writeUInt32LE(payload.length, 0)
  out.writeBigUInt64LE(BigInt(seq), 8)
  payload.copy(out, RECORD_HEADER_BYTES)
  out.writeUInt32LE(crc32(out.subarray(RECORD_HEADER_BYTES), crc32(out.subarray(8, 16))), 4)
  return out
}

/** What {@link readHeader} found at an offset. */
export type HeaderVerdict = {ok: true; seq: number; length: number} | {ok: false; why: string}

/** Reads the header at the start of `header` (16 bytes); `available`: bytes of the file from there on. */
export function readHeader(header: Buffer, available: number): HeaderVerdict {
  if (available < RECORD_HEADER_BYTES) return {ok: false, why: `a header cut after ${available} of its ${RECORD_HEADER_BYTES} bytes`}
  const length = header.readUInt32LE(0)
  const seq = Number(header.readBigUInt64LE(8))
  if (length > MAX_RECORD_PAYLOAD_BYTES || !Number.isSafeInteger(seq) || seq < 1) return {ok: false, why: 'a damaged header'}
  if (RECORD_HEADER_BYTES + length > available) return {ok: false, why: `record ${seq} cut after ${available - RECORD_HEADER_BYTES} of its ${length} bytes`}
  return {ok: true, seq, length}
}

/** True when `payload` is what the header's checksum says. */
export function checksumMatches(header: Buffer, payload: Buffer): boolean {
  return crc32(payload, crc32(header.subarray(8, 16))) === header.readUInt32LE(4)
}
