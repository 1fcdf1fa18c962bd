/** How much of the start of an input is inspected to decide whether it is text. */
export const BINARY_SNIFF_BYTES = 8192

/**
 * Whether the start of an input is binary junk rather than log text: any NUL
 * byte, or more than 10% control characters (other than tab, newline,
 * carriage return, form feed and escape) or undecodable UTF-8.
 */
export function looksBinary(head: Buffer): boolean {
  const sample = head.subarray(0, BINARY_SNIFF_BYTES)
  if (sample.length === 0) return false
  if (sample.includes(0)) return true
  let control = 0
  for (const byte of sample) {
    if ((byte < 32 && byte !== 9 && byte !== 10 && byte !== 13 && byte !== 12 && byte !== 27) || byte === 127) control++
  }

  if (control * 10 > sample.length) return true
  // a multi-byte character cut at the end of the sample is not junk: drop a few trailing bytes
  const text = sample.subarray(0, Math.max(0, sample.length - 3)).toString('utf8')
  let replaced = 0
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) replaced++
  return replaced * 10 > text.length
}
