/**
 * Control bytes a log line may not hold: NUL and every other C0 control but
 * tab, and DEL. (A carriage return before the newline is part of the line
 * ending and never reaches here.) Attackers choose these bytes; they break
 * terminals, PostgreSQL text (NUL) and every tool that reads lines.
 */
export const CONTROL_BYTES = /[\u0000-\u0008\u000A-\u001F\u007F]/

const CONTROL_OR_BACKSLASH = /[\u0000-\u0008\u000A-\u001F\u007F\\]/g

/** How a rejected line's text is stored when it held control bytes: this suffix ends its reason. */
export const STORED_ESCAPED = 'stored escaped (\\xNN; a backslash as \\\\)'

/**
 * The text with each control byte written as `\xNN` and each backslash
 * doubled, so the stored line is printable and the original bytes can be
 * recovered exactly.
 *
 * @example
 * ```ts
 * escapeControl('echo \x00 a\\b') // 'echo \\x00 a\\\\b'
 * ```
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL_OR_BACKSLASH, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
}

/**
 * Bytes as printable ASCII: printable ASCII as is, a backslash doubled,
 * every other byte `\xNN`. For the start of an input refused as binary,
 * which is not text at all.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) {
    if (byte === 92) out += '\\\\'
    else if (byte >= 32 && byte < 127) out += String.fromCharCode(byte)
    else out += `\\x${byte.toString(16).padStart(2, '0')}`
  }

  return out
}
