/**
 * Rows for a PostgreSQL bulk write as one text parameter, column by column:
 * each column's values joined by U+001F, NULL written as U+001E, the columns
 * joined by U+001D. The server cuts it with `string_to_array` and `unnest`s
 * the columns side by side.
 *
 * Why: parsing rows sent as JSON (`json_to_recordset`) builds a key table
 * for every object, and was most of a profiler tick's write statement:
 * 684 attacker rows (450 KB) took the server ~10 ms to parse as JSON and
 * ~3.6 ms to cut as columns (which also leaves the client only a `join`
 * per column instead of `JSON.stringify`).
 *
 * A batch with any value the separators could be mistaken in (a text
 * holding U+0000, U+001D, U+001E or U+001F) has no column texts: it goes as
 * JSON (see `jsonRecords`), as does the one shape `string_to_array` reads
 * back wrongly (one row whose value is the empty string: no elements).
 * A lone UTF-16 surrogate (text cut inside an emoji) reaches the server as
 * U+FFFD, as pg encodes the parameter in UTF-8; the JSON path does the same
 * (see `recordsJson`).
 */
import type {UpsertColumns} from './upsert-columns.js'

const COLUMN = '\u001D'
const VALUE = '\u001F'
const NULL = '\u001E'
const NUL = '\u0000'

/**
 * The column texts of `rows` (only `columns`, `undefined` as NULL), or
 * undefined when the batch must go as JSON instead.
 *
 * @example
 * ```ts
 * columnTexts([{ip: '203.0.113.7', count: 2}, {ip: '2001:db8::7', count: null}], ['ip', 'count'])
 * // '203.0.113.7\u001F2001:db8::7\u001D2\u001F\u001E'
 * ```
 */
export function columnTexts(rows: readonly object[], columns: readonly string[]): string | undefined {
  if (rows.length === 0) return columns.map(() => '').join(COLUMN)
  const texts: string[] = []
  const values: string[] = Array.from({length: rows.length})
  for (const column of columns) {
    let nulls = 0
    for (let i = 0; i < rows.length; i++) {
      const value = (rows[i] as Record<string, unknown>)[column]
      if (value === null || value === undefined) {
        values[i] = NULL
        nulls++
      } else if (typeof value === 'string') {
        if (value === '' && rows.length === 1) return undefined
        values[i] = value
      } else values[i] = String(value)
    }

    const text = values.join(VALUE)
    // Scanning the column once for each character (a native search) costs far less than a
    // regular expression over every value: a value holds a separator exactly when the text
    // has more of it than the join and the NULLs put there.
    if (occurrences(text, VALUE) !== rows.length - 1 || occurrences(text, NULL) !== nulls || text.includes(COLUMN) || text.includes(NUL)) {
      return undefined
    }

    texts.push(text)
  }

  return texts.join(COLUMN)
}

/** How many times `character` occurs in `text`. */
function occurrences(text: string, character: string): number {
  let count = 0
  for (let at = text.indexOf(character); at !== -1; at = text.indexOf(character, at + 1)) count++
  return count
}

/**
 * The rows of parameter `$parameter` (a {@link columnTexts} text) as a table
 * `v` with `columns`, for a `from` clause.
 */
export function columnTextsTable<Row>(columns: UpsertColumns<Row>, parameter: number): string {
  const arrays = columns.map(([, type], i) => {
    const values = `string_to_array("c"."texts"[${i + 1}], E'\\x1f', E'\\x1e')`
    return type === 'text' ? values : `${values}::${type}[]`
  })
  return (
    `(select string_to_array($${parameter}::text, E'\\x1d') as "texts" offset 0) as "c", ` +
    `unnest(${arrays.join(', ')}) as v(${columns.map(([name]) => `"${name}"`).join(', ')})`
  )
}
