import {createHash} from 'node:crypto'

/**
 * How much of the start of an input its fingerprint covers: enough to hold
 * several DECNET lines (each with its own timestamp), so two different logs
 * do not share it; small enough to read and hash in microseconds.
 */
export const FINGERPRINT_BYTES = 4096

/** SHA-256 (hex) of the first `bytes` bytes of `head`. */
export function fingerprint(head: Uint8Array, bytes: number): string {
  return createHash('sha256').update(head.subarray(0, bytes)).digest('hex')
}
