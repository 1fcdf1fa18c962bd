import type {RowSource} from './per-row-query.js'

/**
 * The bind parameters of a multi-row `VALUES` statement: rows `start` to
 * `end` (exclusive), each flattened in `columns` order, `undefined` as null.
 * Plain loops on purpose: this runs for every row of a bulk write.
 */
export function rowParameters(rows: readonly object[], columns: readonly string[], start: number, end: number): unknown[] {
  const width = columns.length
  const parameters: unknown[] = new Array((end - start) * width)
  let p = 0
  for (let r = start; r < end; r++) {
    const row = rows[r] as Record<string, unknown>
    for (let c = 0; c < width; c++) parameters[p++] = row[columns[c]] ?? null
  }

  return parameters
}

/**
 * `rows` as the {@link RowSource} of a `PerRowQuery`: row `index`
 * gives its values in `columns` order, `undefined` as null.
 */
export function objectRows(rows: readonly object[], columns: readonly string[]): RowSource {
  const width = columns.length
  return {
    count: rows.length,
    fill(index, into) {
      const row = rows[index] as Record<string, unknown>
      for (let c = 0; c < width; c++) into[c] = row[columns[c]] ?? null
    },
    width,
  }
}
