/**
 * The text pieces the human-readable renderings share (`format-attackers`,
 * `format-credentials`): times, printable attacker text, aligned tables.
 */

/** `2026-11-26T13:32:51.123Z` -> `2026-11-26 13:32:51Z`. */
export function shortTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso)
  return match ? `${match[1]} ${match[2]}Z` : iso
}

/**
 * Attacker-controlled text must not drive the operator's terminal: control
 * characters as `\xNN`; nor reorder what it shows: bidirectional controls
 * and line and paragraph separators as `\u{NNNN}`.
 */
export function printable(text: string): string {
  return text
    .replace(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)
}

/** `rows` (the first is the header) as aligned columns, each cell made {@link printable}; the last column is not padded. */
export function table(rows: readonly string[][], rightAligned: readonly boolean[]): string {
  const cells = rows.map((row) => row.map((cell) => printable(cell)))
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)))
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 && !rightAligned[i] ? cell : rightAligned[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  '),
    )
    .join('\n')
}

/** Every line of `text` indented by `spaces`. */
export function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n')
}
