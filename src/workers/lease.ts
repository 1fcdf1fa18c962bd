/**
 * A lease on one kind of worker, kept in the database's `worker_lease` table:
 * of several fleets sharing a database, only the holder runs that worker;
 * the others stand by and take over when it lapses. One conditional UPDATE
 * acquires or renews it; times come from the database's clock.
 */
import type {Kysely, RawBuilder} from 'kysely'

import cluster from 'node:cluster'
import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {hostname} from 'node:os'

import {sql} from 'kysely'

import type {DialectName} from '../db/dialect-of.js'
import type {Database} from '../db/schema.js'

import {dialectOf} from '../db/dialect-of.js'

/** What {@link Lease.acquire} found. */
export type LeaseState =
  /** This instance holds the lease until `expiresAt` (the database's clock). */
  | {held: true; expiresAt: string; acquiredAt: string}
  /** Another instance holds it; `holder` is `HOST:PID`. */
  | {held: false; holder: string; expiresAt: string}

/**
 * The lease on one kind of worker, from one instance's point of view.
 *
 * Besides what the database says, the instance keeps its own deadline on its
 * monotonic clock, measured from just before each successful request was sent:
 * {@link Lease.valid} turns false no later than the database's expiry, so an
 * instance that cannot renew (its database is away) stops working before
 * another may take over.
 *
 * @example
 * ```ts
 * const lease = new Lease(db, 'profiler', {ttlMs: 30_000})
 * const state = await lease.acquire()
 * if (state.held) { ...work while lease.valid, renewing with acquire() every 10 s... }
 * else console.log(`standby: held by ${state.holder} until ${state.expiresAt}`)
 * await lease.release()
 * ```
 */
export class Lease {
  /** Who this instance is (see {@link instanceId}). */
  readonly holder: string
  readonly #db: Kysely<Database>
  readonly #worker: string
  readonly #ttlMs: number
  readonly #dialect: DialectName
  /** `performance.now()` after which this instance must assume it lost the lease. */
  #validUntil = Number.NEGATIVE_INFINITY
  #rowEnsured = false

  constructor(db: Kysely<Database>, worker: string, options: {ttlMs: number; holder?: string}) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 100) {
      throw new Error(`Expected \`ttlMs\` to be at least 100 milliseconds, got \`${options.ttlMs}\``)
    }

    this.#db = db
    this.#worker = worker
    this.#ttlMs = Math.round(options.ttlMs)
    this.#dialect = dialectOf(db)
    this.holder = options.holder ?? instanceId()
  }

  /** The kind of worker this lease is for. */
  get worker(): string {
    return this.#worker
  }

  /** How long a lease lasts unless renewed. */
  get ttlMs(): number {
    return this.#ttlMs
  }

  /** `performance.now()` until which this instance may count on holding the lease (-Infinity when it does not hold it). */
  get validUntil(): number {
    return this.#validUntil
  }

  /** True while this instance may still count on holding the lease (by its own clock, never later than the database's). */
  get valid(): boolean {
    return performance.now() < this.#validUntil
  }

  /**
   * Takes the lease if it is free or lapsed, or renews it if this instance
   * holds it: one conditional UPDATE. Otherwise says who holds it.
   *
   * @throws DatabaseError when the database cannot be reached (the lease is then not renewed).
   */
  async acquire(): Promise<LeaseState> {
    await this.#ensureRow()
    const sentAt = performance.now()
    const now = this.#now(0)
    const {rows} = await sql<{acquired_at: string; expires_at: string}>`
      update worker_lease
      set acquired_at = case when holder = ${this.holder} then acquired_at else ${now} end,
          holder = ${this.holder},
          expires_at = ${this.#now(this.#ttlMs)}
      where worker = ${this.#worker} and (holder = ${this.holder} or holder is null or expires_at < ${now})
      returning acquired_at, expires_at`.execute(this.#db)
    if (rows.length > 0) {
      this.#validUntil = sentAt + this.#ttlMs
      return {acquiredAt: rows[0].acquired_at, expiresAt: rows[0].expires_at, held: true}
    }

    this.#validUntil = Number.NEGATIVE_INFINITY
    const row = await this.#db
      .selectFrom('worker_lease')
      .select(['holder', 'expires_at'])
      .where('worker', '=', this.#worker)
      .executeTakeFirst()
    return {expiresAt: row?.expires_at ?? '', held: false, holder: displayHolder(row?.holder ?? '?')}
  }

  /** Gives the lease up now (if this instance holds it), so a standby can take over at its next try. */
  async release(): Promise<void> {
    this.#validUntil = Number.NEGATIVE_INFINITY
    await this.#db
      .updateTable('worker_lease')
      .set({acquired_at: null, expires_at: '', holder: null})
      .where('worker', '=', this.#worker)
      .where('holder', '=', this.holder)
      .execute()
  }

  /** Forgets the lease locally (after a renewal failed for too long, or another instance took it). */
  forget(): void {
    this.#validUntil = Number.NEGATIVE_INFINITY
  }

  async #ensureRow(): Promise<void> {
    if (this.#rowEnsured) return
    await this.#db
      .insertInto('worker_lease')
      .values({acquired_at: null, expires_at: '', holder: null, worker: this.#worker})
      .onConflict((oc) => oc.column('worker').doNothing())
      .execute()
    this.#rowEnsured = true
  }

  /** The database's time plus `plusMs`, as ISO-8601 UTC with milliseconds (the schema's timestamp format). */
  #now(plusMs: number): RawBuilder<string> {
    if (this.#dialect === 'sqlite') return sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`+${(plusMs / 1000).toFixed(3)} seconds`})`
    return sql<string>`to_char((clock_timestamp() + ${sql.lit(plusMs)} * interval '1 millisecond') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
  }
}

/**
 * Who holds a lease: `HOST:PID:INCARNATION`. In a fleet's child process PID is
 * the fleet master's and INCARNATION the master's start time (from /proc), so
 * a worker the supervisor restarted after a crash is the same instance and
 * picks its lease up at once instead of waiting for it to lapse (the
 * supervisor only restarts a worker once the old process is gone). Anywhere
 * else (a worker run by hand, a test) PID is this process's and INCARNATION
 * random.
 */
export function instanceId(): string {
  if (cluster.isWorker) {
    const started = startTime(process.ppid)
    if (started !== undefined) return `${hostname()}:${process.ppid}:${started}`
  }

  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
}

/** `HOST:PID` of a holder id (`HOST:PID:INCARNATION`), for people. */
export function displayHolder(holder: string): string {
  return holder.replace(/:[^:]*$/, '')
}

/** A process's start time in clock ticks after boot (field 22 of /proc/PID/stat), or undefined when it cannot be read. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined // not Linux, or /proc hidden: a random incarnation will do (a restarted worker then waits for the lapse)
  }
}

/** `14:05:10Z` from an ISO time (the date is seldom news; the zone always is). */
export function clockTime(iso: string): string {
  const match = /T(\d\d:\d\d:\d\d)/.exec(iso)
  return match ? `${match[1]}Z` : iso
}
