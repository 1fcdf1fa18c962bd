/**
 * The profiler's side of `attacker_behavior`: for the attackers a tick
 * touches, reads their behaviour rows (or takes them from memory), folds
 * their new lines, and writes the rows in the tick's transaction.
 *
 * A row keeps its own `last_log_id`: a line at or below it is never folded
 * into it again, whatever happened to `attackers` (cleared alone, a cursor
 * moved back). The rows this profiler wrote are kept in memory under the
 * rule of `AttackerCache`: trusted only while the cursor a tick claims is the
 * one this profiler's last tick left, dropped after a failed tick.
 */
import type {Transaction} from 'kysely'

import type {DialectName} from '../../../db/dialect-of.js'
import type {AttackerBehaviorTable, Database} from '../../../db/schema.js'
import type {UpsertColumns} from '../../../db/bulk/upsert-columns.js'
import type {LineMeaning, LogSemantics, ProfileLog} from '../fold.js'
import type {BehaviorLine} from './behavior-fold.js'

import {BulkUpsert} from '../../../db/bulk/bulk-upsert.js'
import {valuesIn} from '../../../db/values-in.js'
import {chunks} from '../../../util/chunks.js'
import {BehaviorFold} from './behavior-fold.js'

const COLUMNS = [
  ['ip', 'text'], ['last_log_id', 'bigint'], ['behavior_class', 'text'], ['state', 'text'], ['profile', 'text'],
] as const satisfies UpsertColumns<AttackerBehaviorTable>
const IPS_PER_SELECT = 1000
/** Rows kept in memory at most (as many as attacker rows: see `MAX_CACHED_ATTACKERS`). */
const DEFAULT_CAPACITY = 20_000

/** A row as kept: its last log id and its fold (so the next tick folds on without rebuilding it from JSON). */
interface Kept {
  lastLogId: number
  fold: BehaviorFold
}

/** What the behaviour fold reads of a line that means `meaning`. */
export function behaviorLine(line: Pick<ProfileLog, 'id' | 'service' | 'timestamp'>, meaning: LineMeaning): BehaviorLine {
  const {activity, artifact, behavior} = meaning
  return {
    activity, id: line.id, service: line.service, signal: behavior, timestamp: line.timestamp,
    ...(artifact?.kind === 'session' ? {sessionService: artifact.service} : {}),
  }
}

/** An attacker a tick touches: its IP and its lines not yet in its attacker row, in id order. */
export interface BehaviorWork {
  ip: string
  fresh: readonly ProfileLog[]
}

/**
 * Behaviour rows for one profiler.
 *
 * @example
 * ```ts
 * const rows = await store.plan(trx, cursor, work)
 * await store.write(trx, rows)
 * // once committed:
 * store.commit(nextCursor)
 * ```
 */
export class BehaviorStore {
  readonly #semantics: LogSemantics
  readonly #dialect: DialectName
  readonly #upsert: BulkUpsert<AttackerBehaviorTable>
  readonly #capacity: number
  readonly #kept = new Map<string, Kept>()
  /** What the tick under way folded, kept once it commits. */
  #pending: Array<[string, Kept]> = []
  #through: number | undefined
  /** The table held no row the cache does not (it was empty when the cache was, and nothing was dropped since). */
  #complete: boolean | undefined

  constructor(dialect: DialectName, semantics: LogSemantics, capacity = DEFAULT_CAPACITY) {
    this.#dialect = dialect
    this.#semantics = semantics
    this.#capacity = capacity
    const update = COLUMNS.map(([name]) => name).filter((name) => name !== 'ip')
    this.#upsert = new BulkUpsert(dialect, 'attacker_behavior', COLUMNS, 'ip', {update})
  }

  /** Folds each attacker's new lines into its behaviour row (read at `cursor`): the rows to write. */
  async plan(trx: Transaction<Database>, cursor: number, work: readonly BehaviorWork[]): Promise<AttackerBehaviorTable[]> {
    if (this.#through !== cursor) this.reset()
    this.#pending = []
    if (work.length === 0) return []
    if (this.#complete === undefined && this.#kept.size === 0) {
      this.#complete = (await trx.selectFrom('attacker_behavior').select('ip').limit(1).executeTakeFirst()) === undefined
    }

    const missing = this.#complete === true ? [] : work.map(({ip}) => ip).filter((ip) => !this.#kept.has(ip))
    const loaded = await this.#load(trx, missing)
    const rows: AttackerBehaviorTable[] = []
    for (const {fresh, ip} of work) {
      const stored = this.#kept.get(ip) ?? loaded.get(ip)
      const after = stored?.lastLogId ?? 0
      const lines = fresh[0].id > after ? fresh : fresh.filter((line) => line.id > after)
      if (lines.length === 0) continue
      // a kept fold is folded in place: a tick that does not commit drops every kept row (see `reset`)
      const fold = stored?.fold ?? BehaviorFold.from()
      for (const line of lines) fold.see(behaviorLine(line, line.meaning ?? this.#semantics.describe(line)))

      const state = fold.toJson()
      const profile = fold.profile()
      const lastLogId = lines.at(-1)!.id
      rows.push({behavior_class: profile.class, ip, last_log_id: lastLogId, profile: JSON.stringify(profile), state: JSON.stringify(state)})
      this.#pending.push([ip, {fold, lastLogId}])
    }

    return rows
  }

  /** Writes the rows {@link plan} gave. */
  async write(trx: Transaction<Database>, rows: readonly AttackerBehaviorTable[]): Promise<void> {
    await this.#upsert.write(trx, rows)
  }

  /** After the tick committed: keeps what it wrote, valid at `cursor`. */
  commit(cursor: number): void {
    for (const [ip, kept] of this.#pending) {
      this.#kept.delete(ip)
      this.#kept.set(ip, kept)
    }

    this.#pending = []
    for (const ip of this.#kept.keys()) {
      if (this.#kept.size <= this.#capacity) break
      this.#kept.delete(ip)
      this.#complete = false
    }

    this.#through = cursor
  }

  /** Forgets everything (a failed tick, or the database changed behind this profiler's back). */
  reset(): void {
    this.#kept.clear()
    this.#pending = []
    this.#through = undefined
    this.#complete = undefined
  }

  async #load(trx: Transaction<Database>, ips: readonly string[]): Promise<Map<string, Kept>> {
    const found = new Map<string, Kept>()
    if (ips.length === 0) return found
    for (const chunk of this.#dialect === 'postgres' ? [ips] : chunks(ips, IPS_PER_SELECT)) {
      const rows = await trx.selectFrom('attacker_behavior').select(['ip', 'last_log_id', 'state']).where(valuesIn(this.#dialect, 'ip', [...chunk])).execute()
      for (const row of rows) found.set(row.ip, {fold: BehaviorFold.from(row.state), lastLogId: Number(row.last_log_id)})
    }

    return found
  }
}
