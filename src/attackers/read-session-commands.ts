/**
 * The commands that fell inside an attacker's recorded sessions: for a
 * `session_recorded` line (DECNET writes it when the session ends, with its
 * duration), the attacker's commands on the same decky whose event time is
 * from the session's start (its end less its duration) to its end, as DECNET's
 * session aggregator gathers them (on the attacker IP only; see
 * docs/profiles.md). Read when shown, from the stored commands: a session's
 * commands may be profiled before or after its line.
 */
import type {Kysely} from 'kysely'

import {sql} from 'kysely'

import type {Database} from '../db/schema.js'
import type {AttackerCommand, AttackerSession} from './attacker-profile.js'

import {dialectOf} from '../db/dialect-of.js'
import {chunks} from '../util/chunks.js'
import {commandElements} from './command-elements.js'

/** Commands a session carries at most (its first, in time order); `commandCount` says how many fell inside it. */
export const SESSION_COMMANDS = 100

/** Log ids per statement reading command texts. */
const KEYS_PER_SELECT = 1000

/** What identifies one stored command, and its time. */
interface CommandKey {
  logId: number
  timestamp: string
}

/** A stored command's key and decky. */
interface SessionKey extends CommandKey {
  decky: string
}

/**
 * `sessions` (of attacker `ip`) with the commands that fell inside each: the
 * first `perSession` in time order, and how many in all. A session without a
 * duration gets none. One statement for the keys of the commands inside the
 * sessions' overall span, one for the texts of those kept.
 *
 * @example
 * ```ts
 * const sessions = await withSessionCommands(db, '203.0.113.7', (await readAttackerArtifacts(db, ip, 200)).sessions)
 * ```
 */
export async function withSessionCommands(db: Kysely<Database>, ip: string, sessions: readonly AttackerSession[], perSession = SESSION_COMMANDS): Promise<AttackerSession[]> {
  const windows = sessions.map((session) => sessionWindow(session))
  const known = windows.filter((window) => window !== null)
  if (known.length === 0) return sessions.map((session) => ({...session, commands: [], commandCount: 0}))
  const from = known.reduce((min, window) => (window.start < min ? window.start : min), known[0].start)
  const to = known.reduce((max, window) => (window.end > max ? window.end : max), known[0].end)
  const e = commandElements(dialectOf(db))
  const {rows} = await sql<{log_id: number | string; ts: string; decky: string}>`
    select distinct ${e.logId} as log_id, ${e.timestamp} as ts, ${e.decky} as decky from ${e.from}
    where b.ip = ${ip} and ${e.timestamp} >= ${from} and ${e.timestamp} <= ${to}`.execute(db)
  const keys: SessionKey[] = rows.map((row) => ({decky: row.decky, logId: Number(row.log_id), timestamp: row.ts})).sort(byTime)
  const inside = windows.map((window, i) => {
    if (window === null) return {count: 0, kept: []}
    const kept: SessionKey[] = []
    let count = 0
    for (let at = firstAtOrAfter(keys, window.start); at < keys.length && keys[at].timestamp <= window.end; at++) {
      if (keys[at].decky !== sessions[i].decky) continue
      count++
      if (kept.length < perSession) kept.push(keys[at])
    }

    return {count, kept}
  })
  const wanted = [...new Map(inside.flatMap(({kept}) => kept).map((key) => [key.logId, key])).values()]
  const texts = await commandTexts(db, ip, wanted)
  return sessions.map((session, i) => {
    const {count, kept} = inside[i]
    return {...session, commands: kept.flatMap((key) => texts.get(key.logId) ?? []), commandCount: count}
  })
}

/** The commands of `ip` with the given keys, by log id, {@link KEYS_PER_SELECT} keys a statement. */
async function commandTexts(db: Kysely<Database>, ip: string, keys: readonly CommandKey[]): Promise<Map<number, AttackerCommand>> {
  const texts = new Map<number, AttackerCommand>()
  const e = commandElements(dialectOf(db))
  for (const chunk of chunks(keys, KEYS_PER_SELECT)) {
    const ids = chunk.map((key) => key.logId)
    const [min, max] = [Math.min(...ids), Math.max(...ids)]
    const {rows} = await sql<{log_id: number | string; timestamp: string; decky: string; service: string; command: string}>`
      select ${e.logId} as log_id, ${e.timestamp} as timestamp, ${e.decky} as decky, ${e.service} as service, ${e.command} as command
      from ${e.from}
      where b.ip = ${ip} and b.first_log_id <= ${max} and b.last_log_id >= ${min} and ${e.logId} in (${sql.join(ids)})`.execute(db)
    for (const row of rows) texts.set(Number(row.log_id), {timestamp: row.timestamp, decky: row.decky, service: row.service, command: row.command})
  }

  return texts
}

/** A session's span in event time (ISO-8601 UTC), or null when its duration or end is unknown. */
function sessionWindow(session: AttackerSession): null | {end: string; start: string} {
  const end = Date.parse(session.timestamp)
  if (session.durationS === null || !Number.isFinite(end)) return null
  const start = end - Math.ceil(session.durationS * 1000)
  if (!Number.isFinite(start) || start < -8.64e15) return null
  return {end: new Date(end).toISOString(), start: new Date(start).toISOString()}
}

/** The index of the first key at or after `time` (keys in time order). */
function firstAtOrAfter(keys: readonly SessionKey[], time: string): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (keys[mid].timestamp < time) low = mid + 1
    else high = mid
  }

  return low
}

function byTime(a: CommandKey, b: CommandKey): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.logId - b.logId
}
