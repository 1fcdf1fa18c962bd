/**
 * A profiled database for the export tests: attackers (IPv4 and IPv6) with
 * commands, credentials, captured files and ATT&CK tags, some of their text
 * hostile (quotes, backslashes, line separators, bidi overrides, control
 * bytes in credentials, JSON-looking text), made by the real profiler from log rows.
 */
import type {TestContext} from 'node:test'

import {migrateToLatest, openDatabase} from '../../src/db/index.js'
import type {NewLog} from '../../src/db/schema.js'
import {profilerTick} from '../../dist/workers/profiler/profiler.js'
import {type DatabaseKind, freshMigratedDatabase} from './databases.js'
import {insertLogs} from './profiler-logs.js'

export const A = '203.0.113.7'
export const B = '198.51.100.20'
export const C = '2001:db8::7'

/**
 * A command full of what breaks careless JSON, HTML and terminals, as ingest
 * stores it (control bytes already escaped as `\xNN`; NUL and lone
 * surrogates never reach a database).
 */
export const HOSTILE_COMMAND = 'echo "x\\"}]," \t\\x1b[2J \u202e\u2028\u2029 \u{1f608} </script> ${jndi:ldap://x} "commands":["x"]'
export const HOSTILE_USER = 'r"o\\o\u0001t\n'
export const SHA = 'ab'.repeat(32)
/** The JA3 hash attacker A's TLS client hello carries (in upper case, as a sniffer might write it). */
export const JA3 = 'e7d705a3286e19ea42f587b344ee6865'

const T = (mmss: string): string => `2026-11-26T10:${mmss}.000Z`

function log(timestamp: string, decky: string, service: string, eventType: string, ip: string, fields: Record<string, string> = {}, msg: null | string = null): NewLog {
  return {attacker_ip: ip, decky, event_type: eventType, fields: JSON.stringify({src_ip: ip, ...fields}), msg, raw_line: `<13>1 ${timestamp} ${decky} ${service} - ${eventType} -`, service, timestamp}
}

export const EXPORT_LOGS: readonly NewLog[] = [
  log(T('00:00'), 'decky-01', 'ssh', 'auth_attempt', A, {username: HOSTILE_USER, secret_b64: Buffer.from('hunter2').toString('base64'), outcome: 'failure'}),
  log(T('00:01'), 'decky-01', 'ssh', 'auth_attempt', A, {username: 'root', secret_b64: Buffer.from('toor').toString('base64'), outcome: 'success'}),
  log(T('00:05'), 'decky-01', 'ssh', 'command', A, {command: 'uname -a'}),
  log(T('00:06'), 'decky-01', 'ssh', 'command', A, {command: HOSTILE_COMMAND}),
  log(T('00:07'), 'decky-01', 'ssh', 'file_captured', A, {sha256: SHA.toUpperCase(), size: '1234', orig_path: '/tmp/x"\n.sh', stored_as: 'abc.bin', writer_comm: 'wget'}),
  log(T('01:00'), 'decky-02', 'telnet', 'command', A, {}, `CMD uid=0 user=root src=${A} pwd=/root cmd=cat /etc/shadow`),
  log(T('00:30'), 'decky-03', 'http', 'request', B, {path: '/'}),
  log(T('02:00'), 'decky-01', 'ssh', 'command', C, {command: 'id'}),
  log(T('02:10'), 'decky-01', 'sniffer', 'ssh_client_banner', A, {ssh_version: 'SSH-2.0-Go'}),
  log(T('02:11'), 'decky-01', 'sniffer', 'ssh_client_banner', A, {ssh_version: 'SSH-2.0-libssh_0.9.6'}),
  log(T('02:12'), 'decky-02', 'sniffer', 'ssh_client_banner', C, {ssh_version: 'SSH-2.0-Go'}),
  log(T('02:13'), 'decky-01', 'sniffer', 'tls_client_hello', A, {ja3: JA3.toUpperCase()}),
  log(T('02:14'), 'decky-02', 'sniffer', 'tls_client_hello', C, {ja3: 'not a hash" | x'}),
]

const tag = (id: string, logId: number, ip: string, technique: string, sub: null | string, tactic: string, at: string) => ({
  attacker_ip: ip, attack_version: '18.1', confidence: 0.9, evidence: 'x', id, log_id: logId, rule_id: `rule-${id}`, rule_version: 1,
  sub_technique_id: sub, tactic, technique_id: technique, timestamp: at,
})

export const EXPORT_TAGS = [
  tag('t1', 3, A, 'T1082', null, 'TA0007', T('00:05')),
  tag('t2', 4, A, 'T1059', 'T1059.004', 'TA0002', T('00:06')),
  tag('t3', 6, A, 'T1003', 'T1003.008', 'TA0006', T('01:00')),
  tag('t4', 1, A, 'T1110', null, 'TA0006', T('00:00')),
  tag('t5', 2, A, 'T1110', null, 'TA0006', T('00:01')),
  tag('t6', 8, C, 'T1033', null, 'TA0007', T('02:00')),
]

/** A fresh database of `kind` holding {@link EXPORT_LOGS}, tagged and profiled; removed after the test. */
export async function exportDatabase(t: TestContext, kind: DatabaseKind): Promise<string> {
  const database = await freshMigratedDatabase(kind, t)
  t.after(() => database.cleanup())
  const db = await openDatabase(database.url)
  try {
    await migrateToLatest(db)
    await insertLogs(db, EXPORT_LOGS)
    await db.insertInto('ttp_tags').values(EXPORT_TAGS).execute()
    await profilerTick(db)
  } finally {
    await db.destroy()
  }

  return database.url
}
