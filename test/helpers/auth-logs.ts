/**
 * Authentication, credential and activity log rows for the counting rules'
 * tests, in DECNET's universal credential shape (`principal`, `secret_kind`,
 * `secret_b64`, `outcome`), written straight into `logs`.
 */
import type {LogRow} from './ttp-logs.js'

import {minutes} from './ttp-logs.js'

/** What a credential line says besides who and when. */
export interface CredentialLine {
  ip: string
  /** Minutes after the tests' start. */
  at: number
  principal: null | string
  /** The secret's bytes (a string is UTF-8). */
  secret: Buffer | string
  decky?: string
  service?: string
  eventType?: string
  kind?: string
  outcome?: 'failure' | 'success'
  /** Replaces the secret's base64 (to send something that is not base64). */
  secretB64?: string
}

/** A credential line (`auth_attempt` unless told otherwise). */
export function credentialLog(line: CredentialLine): LogRow {
  const timestamp = minutes(line.at)
  const secret = typeof line.secret === 'string' ? Buffer.from(line.secret, 'utf8') : line.secret
  const fields: Record<string, string> = {secret_b64: line.secretB64 ?? secret.toString('base64'), src_ip: line.ip}
  if (line.principal !== null) Object.assign(fields, {principal: line.principal, username: line.principal})
  if (line.kind !== undefined) fields.secret_kind = line.kind
  if (line.outcome !== undefined) fields.outcome = line.outcome
  const eventType = line.eventType ?? 'auth_attempt'
  const decky = line.decky ?? 'decky-01'
  const service = line.service ?? 'ssh'
  return {attacker_ip: line.ip, decky, event_type: eventType, fields: JSON.stringify(fields), msg: null, raw_line: `<13>1 ${timestamp} ${decky} ${service} - ${eventType} - -`, service, timestamp}
}

/** An HTTP request from `ip` at `at` minutes (an event with no login in it). */
export function requestLog(ip: string, at: number, path = '/'): LogRow {
  const timestamp = minutes(at)
  return {
    attacker_ip: ip,
    decky: 'decky-01',
    event_type: 'request',
    fields: JSON.stringify({method: 'GET', path, src_ip: ip}),
    msg: null,
    raw_line: `<13>1 ${timestamp} decky-01 http - request - -`,
    service: 'http',
    timestamp,
  }
}

/**
 * One log of every counting rule's evidence and its near misses, in log
 * order; `expected` lists the tags it should get as `rule@index` (1-based log ids).
 */
export function countingScenario(): {rows: LogRow[]; expected: string[]} {
  const rows: LogRow[] = []
  const add = (row: LogRow): number => rows.push(row)
  const expected: string[] = []
  // spraying: one secret, six principals, 20 s apart (and a brute force: five failures in five minutes)
  for (const [n, principal] of ['root', 'admin', 'oracle', 'test', 'user', 'guest'].entries()) {
    const id = add(credentialLog({at: n / 3, ip: '203.0.113.10', principal, secret: 'Summer2026!'}))
    if (n === 4) expected.push(`credential-access.password-spraying@${id}`, `credential-access.brute-force@${id}`)
  }

  // guessing: one principal, eight secrets: brute force, not spraying
  for (let n = 0; n < 8; n++) {
    const id = add(credentialLog({at: 10 + n / 6, ip: '203.0.113.11', principal: 'root', secret: `guess-${n}`}))
    if (n === 4) expected.push(`credential-access.brute-force@${id}`)
  }

  // default credentials (one is not in the list)
  expected.push(`initial-access.default-credentials@${add(credentialLog({at: 20, ip: '203.0.113.12', principal: 'pi', secret: 'raspberry'}))}`)
  add(credentialLog({at: 20.5, ip: '203.0.113.13', principal: 'pi', secret: 'raspberry1'}))
  expected.push(`initial-access.default-credentials@${add(credentialLog({at: 21, ip: '203.0.113.13', principal: 'sa', secret: '', service: 'mssql'}))}`)
  // a hash of the right bytes under another kind is not a plaintext default
  add(credentialLog({at: 21.5, ip: '203.0.113.13', kind: 'mysql_native_password', principal: 'root', secret: 'root', service: 'mysql'}))

  // a login after a brute force; a login without one
  for (let n = 0; n < 6; n++) {
    const id = add(credentialLog({at: 30 + n / 6, eventType: 'auth', ip: '203.0.113.14', outcome: 'failure', principal: 'mail', secret: `p${n}`, service: 'imap'}))
    if (n === 4) expected.push(`credential-access.brute-force@${id}`)
  }

  const success = add(credentialLog({at: 31.5, eventType: 'auth', ip: '203.0.113.14', outcome: 'success', principal: 'mail', secret: 'letmein', service: 'imap'}))
  expected.push(`initial-access.login-after-brute-force@${success}`)
  add(credentialLog({at: 32, eventType: 'auth', ip: '203.0.113.15', outcome: 'success', principal: 'mail', secret: 'letmein2', service: 'imap'}))

  // stuffing: one pair on two deckies, then by a second attacker; the first attacker's return
  add(credentialLog({at: 40, decky: 'decky-01', ip: '198.51.100.20', principal: 'alice', secret: 'Winter2025', service: 'ftp'}))
  expected.push(`credential-access.credential-stuffing@${add(credentialLog({at: 41, decky: 'decky-02', ip: '198.51.100.21', principal: 'alice', secret: 'Winter2025', service: 'smtp'}))}`)
  expected.push(`credential-access.credential-stuffing@${add(credentialLog({at: 42, decky: 'decky-01', ip: '198.51.100.20', principal: 'alice', secret: 'Winter2025', service: 'ftp'}))}`)
  add(credentialLog({at: 43, decky: 'decky-01', ip: '198.51.100.20', principal: 'alice', secret: 'Winter2025', service: 'ftp'})) // tagged once
  for (let n = 0; n < 3; n++) add(credentialLog({at: 44 + n, ip: '198.51.100.22', principal: 'bob', secret: 'same-place', service: 'ftp'}))

  // beaconing: a request every 60 s (± 1 s) on one service; irregular requests; a cadence across two services
  for (let n = 0; n < 8; n++) {
    const id = add(requestLog('192.0.2.30', 50 + n + (n % 2 === 0 ? 1 : -1) / 60))
    if (n === 5) expected.push(`command-and-control.beaconing@${id}`)
  }

  for (const at of [50, 50.2, 53, 53.1, 58, 58.05, 64]) add(requestLog('192.0.2.31', at))
  for (let n = 0; n < 8; n++) add(n % 2 === 0 ? requestLog('192.0.2.32', 50 + n) : {...requestLog('192.0.2.32', 50 + n), service: 'https'})
  return {expected, rows}
}
