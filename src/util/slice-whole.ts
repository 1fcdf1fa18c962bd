/**
 * `text.slice(start, end)`, narrowed so that it never cuts a surrogate pair
 * (an emoji, a rare CJK character): a boundary that falls inside a pair
 * moves inward, dropping that character rather than keeping half of it.
 * Half a pair is no character at all; databases refuse it or store
 * replacement characters.
 *
 * @example
 * ```ts
 * sliceWhole('a😀b', 0, 2) // 'a' (not 'a\ud83d')
 * ```
 */
export function sliceWhole(text: string, start: number, end: number): string {
  const from = isLowSurrogate(text, start) && isHighSurrogate(text, start - 1) ? start + 1 : start
  return text.slice(from, Math.max(from, wholeEnd(text, end)))
}

/**
 * `end`, moved back by one when it falls inside a surrogate pair: the end of
 * a cut of `text` that keeps no half character (see {@link sliceWhole}).
 *
 * @example
 * ```ts
 * wholeEnd('a😀b', 2) // 1
 * ```
 */
export function wholeEnd(text: string, end: number): number {
  return isHighSurrogate(text, end - 1) && isLowSurrogate(text, end) ? end - 1 : end
}

function isHighSurrogate(text: string, at: number): boolean {
  const code = text.charCodeAt(at)
  return code >= 0xd8_00 && code <= 0xdb_ff
}

function isLowSurrogate(text: string, at: number): boolean {
  const code = text.charCodeAt(at)
  return code >= 0xdc_00 && code <= 0xdf_ff
}
