/**
 * Sets of characters for the regular-expression analyses of the rule engine:
 * exact over ASCII, coarse (one flag) beyond it.
 */

/**
 * A set of characters, exact over ASCII and coarse beyond it: `ascii[c]` is 1
 * when the ASCII code `c` is in the set, `other` when any non-ASCII character
 * may be.
 */
export interface CharSet {
  readonly ascii: Uint8Array
  readonly other: boolean
}

/** `\d` */
export const DIGIT = range('0', '9')
/** `\w` */
export const WORD = union(range('a', 'z'), range('A', 'Z'), DIGIT, chars('_'))
/** `\s` (any non-ASCII character may be a space) */
export const SPACE = union(chars(' \t\n\r\v\f'), {ascii: new Uint8Array(128), other: true})

/** A set that holds every character. */
export function anyChar(): CharSet {
  return {ascii: new Uint8Array(128).fill(1), other: true}
}

/** An empty set. */
export function noChar(): CharSet {
  return {ascii: new Uint8Array(128), other: false}
}

/** True when the two sets share a character. */
export function intersects(a: CharSet, b: CharSet): boolean {
  if (a.other && b.other) return true
  for (let c = 0; c < 128; c++) if (a.ascii[c] && b.ascii[c]) return true
  return false
}

/** The set of the characters of `text`. */
export function chars(text: string): CharSet {
  const set = {ascii: new Uint8Array(128), other: false}
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (code < 128) set.ascii[code] = 1
    else set.other = true
  }

  return set
}

/** The characters from `low` to `high`. */
export function range(low: string, high: string): CharSet {
  return rangeCodes(low.codePointAt(0)!, high.codePointAt(0)!)
}

/** The characters with codes from `low` to `high`. */
export function rangeCodes(low: number, high: number): CharSet {
  const set = {ascii: new Uint8Array(128), other: high >= 128}
  for (let c = low; c <= Math.min(high, 127); c++) set.ascii[c] = 1
  return set
}

/** Every character of any of `sets`. */
export function union(...sets: CharSet[]): CharSet {
  const out = {ascii: new Uint8Array(128), other: false}
  for (const set of sets) {
    for (let c = 0; c < 128; c++) out.ascii[c] |= set.ascii[c]
    out.other ||= set.other
  }

  return out
}

/** Every character not in `set`. */
export function complement(set: CharSet): CharSet {
  return {ascii: set.ascii.map((bit) => 1 - bit), other: true}
}
