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
  const to = isHighSurrogate(text, end - 1) && isLowSurrogate(text, end) ? end - 1 : end
  return text.slice(from, Math.max(from, to))
}

function isHighSurrogate(text: string, at: number): boolean {
  const code = text.charCodeAt(at)
  return code >= 0xd8_00 && code <= 0xdb_ff
}

function isLowSurrogate(text: string, at: number): boolean {
  const code = text.charCodeAt(at)
  return code >= 0xdc_00 && code <= 0xdf_ff
}
