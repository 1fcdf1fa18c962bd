/**
 * The column lists the bulk writers share: what is written and with which
 * SQL type. Types only, so that the writers (`bulk-upsert`, `bulk-update`)
 * and the encoders they use (`column-texts`) all import it and none imports
 * another back.
 */

/** A column's SQL type, for PostgreSQL's bulk writes (see `PostgresRowsSource`). */
export type ColumnType = 'bigint' | 'double precision' | 'integer' | 'text'

/** The column of a unique key, or its columns. */
export type KeyColumns<Row> = ReadonlyArray<keyof Row & string> | (keyof Row & string)

/** The columns written, each with its type. */
export type UpsertColumns<Row> = ReadonlyArray<readonly [keyof Row & string, ColumnType]>
