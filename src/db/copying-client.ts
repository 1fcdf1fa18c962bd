import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import pg from 'pg'
import {from as copyFrom} from 'pg-copy-streams'

import {isCopyRows, type CopyRows} from './copy-rows.js'

/**
 * A `pg` client that runs a `COPY ... FROM STDIN` statement whose one
 * parameter is a {@link CopyRows}: it streams the rows through the COPY
 * protocol (pg-copy-streams) and answers like any statement, with the
 * number of rows copied. kysely hands a compiled query's SQL and parameters
 * to the client as they are, so a COPY runs through the usual
 * `executeQuery`, on the transaction's connection and with its error
 * mapping. Every other query is `pg.Client`'s own.
 */
export class CopyingClient extends pg.Client {
  // pg's overloads of `query` cannot be restated one by one; this forwards all of them
  /* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument */
  override query(config: any, values?: any, callback?: any): any {
    if (Array.isArray(values) && values.length === 1 && isCopyRows(values[0]) && typeof config === 'string') return this.#copy(config, values[0])
    return super.query(config, values, callback)
  }
  /* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument */

  async #copy(text: string, rows: CopyRows): Promise<pg.QueryResult> {
    const stream = super.query(copyFrom(text))
    await pipeline(Readable.from(rows.chunks, {objectMode: false}), stream)
    return {command: 'COPY', rowCount: stream.rowCount, oid: 0, fields: [], rows: []}
  }
}
