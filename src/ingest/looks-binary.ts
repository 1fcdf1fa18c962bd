/** How much of the start of an input is inspected to decide whether it is text. */
export const BINARY_SNIFF_BYTES = 8192

/**
 * Above this share of bytes that are not text (NUL and other control bytes,
 * invalid UTF-8) the start of an input is binary, unless a line in it starts
 * as DECNET writes one (see {@link looksBinary}): that second condition is
 * what keeps a log full of attacker bytes readable, so this share only has to
 * tell junk from text. Compressed or random data measures 52-53% (a gzipped
 * sample log: 957 of 1816 bytes; 8 KiB of random bytes: 4268), just over a
 * half, so a half would let such a file through as ~20 rejected "lines" by
 * chance; 30% does not, and text in any encoding stays far below it.
 */
export const BINARY_SHARE = 0.3

/** What the sniff found: whether the input is binary, and how many of the bytes looked at are not text. */
export interface BinaryVerdict {
  binary: boolean
  /** Bytes inspected. */
  sampled: number
  /** Of them: NUL, other control bytes (not tab, newline, carriage return, form feed, escape) and invalid UTF-8. */
  notText: number
}

/**
 * Whether the start of an input is binary junk rather than log text: more
 * than {@link BINARY_SHARE} of its first {@link BINARY_SNIFF_BYTES} bytes are
 * not text, and no line in them starts the way an RFC 5424 line does
 * (`<PRI>1 `). The second condition is what keeps an attacker from hiding a
 * file: DECNET writes each line's header itself, so one long line of hostile
 * bytes at the start of a log still begins with `<PRI>1 ` and the input is
 * read (that line is then rejected alone).
 */
export function looksBinary(head: Buffer): BinaryVerdict {
  const sample = head.subarray(0, BINARY_SNIFF_BYTES)
  let notText = 0
  for (const byte of sample) {
    if ((byte < 32 && byte !== 9 && byte !== 10 && byte !== 13 && byte !== 12 && byte !== 27) || byte === 127) notText++
  }

  // a multi-byte character cut at the end of the sample is not junk: drop a few trailing bytes
  const text = sample.subarray(0, Math.max(0, sample.length - 3)).toString('utf8')
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) notText++
  const binary = sample.length > 0 && notText > sample.length * BINARY_SHARE && !hasSyslogLineStart(sample)
  return {binary, sampled: sample.length, notText}
}

/** Whether the sample's first line, or any line after a newline in it, starts with `<DIGITS>1 `. */
function hasSyslogLineStart(sample: Buffer): boolean {
  for (let at = 0; at !== -1 && at < sample.length; at = sample.indexOf(10, at)) {
    if (sample[at] === 10) at++
    if (sample[at] !== 60) continue // '<'
    let i = at + 1
    while (i < sample.length && i - at <= 4 && sample[i] >= 48 && sample[i] <= 57) i++
    if (i > at + 1 && sample[i] === 62 && sample[i + 1] === 49 && sample[i + 2] === 32) return true // '>1 '
  }

  return false
}
