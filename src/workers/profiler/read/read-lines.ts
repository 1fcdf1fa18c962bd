/**
 * Reads the log lines of a tick. SQLite: as JSON texts instead of row by
 * row: the database builds each line's object (`json_object`) and one JSON
 * array per chunk of lines, and `JSON.parse` builds the lines. Measured, that
 * costs about 40% less than the driver building 8 values per row (a cold
 * build reads every stored line). Chunks of at most {@link IDS_PER_CHUNK}
 * lines keep each text far below the string limits (a line is at most
 * 64 KiB, a few hundred KiB once escaped, even hostile).
 */
import type {Kysely, Transaction} from 'kysely'

import {sql} from 'kysely'

import type {DialectName} from '../../../db/dialect-of.js'
import type {Database} from '../../../db/schema.js'
import type {ReadLogsOptions} from '../../../db/read-logs-after.js'
import {MAX_READ_CHARS, readLogsAfter} from '../../../db/read-logs-after.js'
import type {ProfileLog} from '../fold.js'
import {claimAndReadLogs} from '../../claim-cursor.js'

/** A log line as a tick reads it. */
export type TickLine = ProfileLog & {attacker_ip: null | string}

/** Lines (ids) per JSON text at most. */
export const IDS_PER_CHUNK = 256

const COLUMNS = ['id', 'timestamp', 'decky', 'service', 'event_type', 'attacker_ip', 'fields', 'msg'] as const

/**
 * The lines after `cursor`, in id order, at most `limit` of them and about
 * `maxChars` characters of text (see `ReadLogsOptions`), with the values the
 * plain `select` of {@link COLUMNS} gives. `db` is a tick's transaction, or
 * the database itself when a drain reads ahead (see `ReadAhead`).
 *
 * @example
 * ```ts
 * const {lines, cut} = await readLines(trx, 'sqlite', cursor, 100_000)
 * ```
 */
export async function readLines(
  db: Kysely<Database>,
  dialect: DialectName,
  cursor: number,
  limit: number,
  options: ReadLogsOptions<TickLine> = {},
): Promise<LinesRead> {
  if (dialect === 'postgres') {
    // plain selects: built as JSON by the server, the same lines cost more CPU in all, server and
    // client, than `pg` parsing the rows, and more time (a cold build of 1M lines: 21 s against 17)
    const {cut, rows} = await readLogsAfter(db, COLUMNS, cursor, limit, options)
    return {cut, lines: rows}
  }

  return parseLineTexts(await readLineTexts(db, cursor, limit, options.maxChars, options.signal), options.onChunk)
}

/**
 * PostgreSQL: claims the cursor `worker` and reads the lines after it (as
 * {@link readLines} would), the claim and the first lines in one statement
 * (see `claimAndReadLogs`).
 */
export async function claimAndReadLines(
  trx: Transaction<Database>,
  worker: string,
  limit: number,
  options: Omit<ReadLogsOptions<TickLine>, 'signal'> = {},
): Promise<{cursor: number; read: LinesRead}> {
  const {cursor, read} = await claimAndReadLogs(trx, worker, COLUMNS, limit, options)
  return {cursor, read: {cut: read.cut, lines: read.rows}}
}

/** What {@link readLines} read, and whether its character budget cut it short (more lines may be waiting). */
export interface LinesRead {
  lines: TickLine[]
  cut: boolean
}

const PAIRS = sql.raw(COLUMNS.map((column) => `'${column}', "${column}"`).join(', '))
const NAMES = sql.raw(COLUMNS.map((column) => `"${column}"`).join(', '))

/** A batch of lines as JSON texts, each an array of line objects, in id order (see {@link readLineTexts}). */
export interface LineTexts {
  texts: string[]
  /** Whether the character budget cut the read short (more lines may be waiting). */
  cut: boolean
}

/**
 * SQLite: the lines {@link readLines} would read, as the JSON texts the
 * database builds, one statement and one text per chunk of at most
 * {@link IDS_PER_CHUNK} lines; {@link parseLineTexts} makes them lines. A
 * thread hands a string over as a copy of its bytes, far cheaper than
 * objects (see `ThreadReader`). (One statement grouping the whole batch by
 * id range costs more than it saves: SQLite sorts the groups and each
 * group's rows in temporary b-trees.)
 */
export async function readLineTexts(
  db: Kysely<Database>,
  cursor: number,
  limit: number,
  maxChars = MAX_READ_CHARS,
  signal?: AbortSignal,
): Promise<LineTexts> {
  const texts: string[] = []
  let after = cursor
  let read = 0
  let chars = 0
  let perChunk = IDS_PER_CHUNK
  while (read < limit) {
    if (chars >= maxChars || signal?.aborted) return {cut: true, texts}
    const want = Math.min(perChunk, limit - read)
    const {rows} = await sql<{lines: null | string; last: null | number; count: number}>`
      select json_group_array(json_object(${PAIRS})) as "lines", max("id") as "last", count(*) as "count"
      from (select ${NAMES} from "logs" where "id" > ${after} order by "id" limit ${want}) as "l"`.execute(db)
    const {count, last, lines} = rows[0]
    if (lines !== null && count > 0) {
      texts.push(lines)
      chars += lines.length
      read += count
      // the next chunk holds what the rest of the budget has room for, at this chunk's characters per line
      perChunk = Math.max(1, Math.min(IDS_PER_CHUNK, Math.floor(((maxChars - chars) * count) / lines.length)))
    }

    if (count < want || last === null) break
    after = last
  }

  return {cut: false, texts}
}

/** The lines of {@link readLineTexts}' texts, in id order. */
export function parseLineTexts({cut, texts}: LineTexts, onChunk?: (lines: TickLine[]) => void): LinesRead {
  const lines: TickLine[] = []
  for (const text of texts) {
    const chunk = JSON.parse(text) as TickLine[]
    onChunk?.(chunk)
    append(lines, chunk)
  }

  return {cut, lines}
}

/**
 * Appends `chunk` to `lines`, in id order. A chunk's aggregate follows the
 * order its rows came in, the id order of the inner select; should a database
 * ever feed them otherwise, they are sorted here rather than folded out of order.
 */
function append(lines: TickLine[], chunk: readonly TickLine[]): void {
  let sorted = true
  for (let i = 1; i < chunk.length; i++) if (chunk[i].id < chunk[i - 1].id) sorted = false
  const ordered = sorted ? chunk : [...chunk].sort((a, b) => a.id - b.id)
  for (const line of ordered) lines.push(line)
}
