import type {Kysely, Transaction} from 'kysely'

import type {Database, IngestSourcesTable} from './schema.js'

/** How far `decnet ingest` got in one input (a row of `ingest_sources`, in code's names). */
export interface SourceProgress {
  /** `file:DEVICE:INODE` or `stream:NAME`. */
  key: string
  /** The file as named, or the stream's name. */
  path: string
  /** SHA-256 (hex) of the input's first `fingerprintBytes` bytes. */
  fingerprint: string
  fingerprintBytes: number
  /** Where the bytes after the last committed line start. */
  offset: number
  /** The last committed line's number. */
  line: number
}

/** Where a stored progress row stood when a run read it: what the next write expects to find. */
export type ProgressExpectation = Pick<SourceProgress, 'offset' | 'line'> | undefined

/** One step of a source's progress, written with the rows it covers (see `LogWriter.write`). */
export interface ProgressStep {
  /** The row as this run last saw it (undefined: no row yet). */
  expected: ProgressExpectation
  next: SourceProgress
}

/**
 * Another run moved a source's progress since this run read it (two
 * `decnet ingest` of one file at once): writing this run's rows would store
 * lines twice, so its transaction is rolled back instead.
 */
export class SourceProgressConflict extends Error {
  /** The source's key. */
  readonly key: string

  constructor(key: string, path: string) {
    super(`another decnet ingest committed lines of ${path} meanwhile; stopped reading it here (nothing stored twice: that run stores the rest)`)
    this.name = 'SourceProgressConflict'
    this.key = key
  }
}

/** The stored progress of a source, or undefined when it was never ingested. */
export async function readSourceProgress(db: Kysely<Database>, key: string): Promise<SourceProgress | undefined> {
  const row = await db.selectFrom('ingest_sources').selectAll().where('source_key', '=', key).executeTakeFirst()
  return row === undefined ? undefined : fromRow(row)
}

/**
 * Moves a source's progress to `step.next`, inside the transaction that
 * stores the rows it covers, if and only if the row is still what this run
 * expects (compare and set: an UPDATE guarded by the old offset and line,
 * or an INSERT that does nothing when a row exists). PostgreSQL's row lock
 * makes a concurrent run wait, then see the moved row; SQLite's
 * `begin immediate` serialises writers.
 *
 * @throws SourceProgressConflict when another run moved it first.
 */
export async function advanceSourceProgress(trx: Transaction<Database>, step: ProgressStep): Promise<void> {
  const {expected, next} = step
  const values = {
    path: next.path,
    fingerprint: next.fingerprint,
    fingerprint_bytes: next.fingerprintBytes,
    byte_offset: next.offset,
    line_no: next.line,
    updated_at: new Date().toISOString(),
  }
  const result =
    expected === undefined
      ? await trx.insertInto('ingest_sources').values({source_key: next.key, ...values}).onConflict((oc) => oc.column('source_key').doNothing()).executeTakeFirst()
      : await trx
          .updateTable('ingest_sources')
          .set(values)
          .where('source_key', '=', next.key)
          .where('byte_offset', '=', expected.offset)
          .where('line_no', '=', expected.line)
          .executeTakeFirst()
  const changed = 'numInsertedOrUpdatedRows' in result ? result.numInsertedOrUpdatedRows : result.numUpdatedRows
  if (changed !== 1n) throw new SourceProgressConflict(next.key, next.path)
}

function fromRow(row: IngestSourcesTable): SourceProgress {
  return {
    key: row.source_key,
    path: row.path,
    fingerprint: row.fingerprint,
    fingerprintBytes: Number(row.fingerprint_bytes),
    offset: Number(row.byte_offset),
    line: Number(row.line_no),
  }
}
