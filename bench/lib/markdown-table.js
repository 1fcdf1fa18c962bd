/**
 * Renders a markdown table with padded columns (readable in a terminal too).
 */

/** `header` is a list of titles, `rows` a list of lists of strings; `align` 'l' or 'r' per column. */
export function markdownTable(header, rows, align = []) {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => String(row[column] ?? '').length)))
  const pad = (text, column) => (align[column] === 'r' ? String(text).padStart(widths[column]) : String(text).padEnd(widths[column]))
  const line = (cells) => `| ${cells.map((cell, column) => pad(cell ?? '', column)).join(' | ')} |`
  const rule = `|${widths.map((width, column) => (align[column] === 'r' ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`
  return [line(header), rule, ...rows.map((row) => line(row))].join('\n')
}
