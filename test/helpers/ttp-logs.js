/**
 * Log rows for TTP worker tests, written straight into `logs` (no parsing).
 */

const START = Date.UTC(2026, 10, 26, 12, 0, 0)

/** The ISO timestamp `offset` minutes after the tests' start time. */
export function minutes(offset) {
  return new Date(START + Math.round(offset * 60_000)).toISOString()
}

/** A `command` event from `ip` at `at` minutes running `command`. */
export function commandLog(ip, at, command) {
  return row(ip, at, 'command', {command, src_ip: ip})
}

/** A failed SSH login from `ip` at `at` minutes. */
export function failedLogin(ip, at) {
  return row(ip, at, 'login_failed', {password: 'hunter2', src_ip: ip, user: 'root'})
}

function row(ip, at, eventType, fields) {
  const timestamp = minutes(at)
  return {
    attacker_ip: ip,
    decky: 'decky-01',
    event_type: eventType,
    fields: JSON.stringify(fields),
    msg: null,
    raw_line: `<13>1 ${timestamp} decky-01 ssh - ${eventType} - -`,
    service: 'ssh',
    timestamp,
  }
}

/** Inserts rows into `logs` in chunks. */
export async function insertLogs(db, rows, chunkSize = 2000) {
  for (let i = 0; i < rows.length; i += chunkSize) {
    await db.insertInto('logs').values(rows.slice(i, i + chunkSize)).execute()
  }
}

/** Every tag, in (log_id, rule_id, technique) order, numbers as numbers. */
export async function readTags(db) {
  const rows = await db.selectFrom('ttp_tags').selectAll().orderBy('log_id').orderBy('rule_id').orderBy('sub_technique_id').orderBy('technique_id').execute()
  return rows.map((tag) => ({...tag, confidence: Number(tag.confidence), log_id: Number(tag.log_id), rule_version: Number(tag.rule_version)}))
}

/** Moves a worker's cursor back to the start. */
export async function resetCursor(db, worker) {
  await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', worker).execute()
}
