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
 */
import type {UpsertColumns} from './bulk-upsert.js'

const COLUMN = '\u001D'
const VALUE = '\u001F'
const NULL = '\u001E'
/** A character of a separator, or NUL (which PostgreSQL text cannot hold, and the JSON path reports). */
const RESERVED = /[\u0000\u001D-\u001F]/

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
  const texts: string[] = []
  for (const column of columns) {
    const values: string[] = []
    for (const row of rows) {
      const value = (row as Record<string, unknown>)[column]
      if (value === null || value === undefined) values.push(NULL)
      else if (typeof value === 'string') {
        if (RESERVED.test(value) || (value === '' && rows.length === 1)) return undefined
        values.push(value)
      } else values.push(String(value))
    }

    texts.push(values.join(VALUE))
  }

  return texts.join(COLUMN)
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
