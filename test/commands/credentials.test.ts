import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import type {TestContext} from 'node:test'

import type {AttackerDetail, CredentialSummary} from '../../src/attackers/index.js'
import type {NewLog} from '../../src/db/schema.js'
import type {DatabaseKind} from '../helpers/databases.js'

import {profilerTick} from '../../src/workers/profiler/profiler.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../helpers/databases.js'
import {defined} from '../helpers/defined.js'
import {insertLogs} from '../helpers/profiler-logs.js'
import {runCli} from '../helpers/run-cli.js'
import {runInProcess} from '../helpers/run-in-process.js'

const ExitCode = {DATABASE: 10, OK: 0, USAGE: 2}
const A = '203.0.113.7'
const B = '198.51.100.23'
const ESC = '\u001b'

const line = (decky: string, service: string, ip: null | string, fields: Record<string, unknown>, second: number): NewLog => ({
  attacker_ip: ip, decky, event_type: 'auth_attempt', fields: JSON.stringify(ip === null ? fields : {src_ip: ip, ...fields}), msg: null,
  raw_line: 'x', service, timestamp: `2026-11-26T10:00:${String(second).padStart(2, '0')}.000Z`,
})
const b64 = (text: string) => Buffer.from(text).toString('base64')

/** root/123456 on two deckies and two services by two attackers; a hostile secret; an NTLM response; an FTP login naming no attacker. */
const LOGS: NewLog[] = [
  line('decky-01', 'auth-helper', A, {principal: 'root', username: 'root', secret_b64: b64('123456')}, 1),
  line('decky-01', 'auth-helper', A, {principal: 'root', username: 'root', secret_b64: b64('123456')}, 2),
  line('decky-01', 'auth-helper', A, {principal: 'root', username: 'root', secret_b64: b64('123456')}, 3),
  line('mx-02', 'smtp', B, {principal: 'root', username: 'root', secret_b64: b64('123456')}, 4),
  line('mail-01', 'imap', A, {principal: 'bob', secret_b64: b64(`${ESC}]0;owned${ESC}\\`), outcome: 'success'}, 5),
  line('ws-04', 'smb', B, {principal: 'CORP\\administrator', domain: 'CORP', secret_kind: 'ntlmssp_v2', secret_b64: 'AQEAAAAAAAA='}, 6),
  line('files-01', 'ftp', null, {principal: 'anonymous', secret_b64: b64('a@b.c')}, 7),
  line('decky-01', 'auth-helper', A, {principal: 'admin', secret_b64: 'broken!'}, 8),
]

async function profiled(t: TestContext, kind: DatabaseKind): Promise<string> {
  const {db, url} = defined(await migratedDatabase(kind, t), 'a migrated database')
  await insertLogs(db, LOGS)
  await profilerTick(db)
  return url
}

/**
 * Runs decnet against the database at `url` with a private data directory: in this process (run-in-process.ts) for
 * the listings, or as a real process (`where`) where the test is about an exit code or the help page.
 */
async function decnet(t: TestContext, url: string, args: string[], where: 'here' | 'process' = 'here'): Promise<{code: null | number; stderr: string; stdout: string}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'decnet-data-'))
  t.after(() => rmSync(dataDir, {force: true, recursive: true}))
  const env = {DECNET_DATA_DIR: dataDir, DECNET_DB_URL: url}
  return where === 'here' ? runInProcess(args, {env}) : runCli(args, {env})
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet credentials (${kind})`, {skip: skipReason(kind)}, () => {
    it('lists the most tried credentials with how many attackers, deckies and services, secrets escaped', async (t) => {
      const url = await profiled(t, kind)
      const {code, stderr, stdout} = await decnet(t, url, ['credentials'])
      assert.equal(code, ExitCode.OK, stderr)
      assert.ok(!stdout.includes(ESC), 'no raw escape byte reaches the terminal')
      const rows = stdout.trimEnd().split('\n')
      assert.match(rows[0], /^PRINCIPAL\s+KIND\s+SECRET\s+ATTEMPTS\s+ATTACKERS\s+DECKIES\s+SERVICES\s+OUTCOME\s+LAST SEEN$/)
      assert.match(rows[1], /^root\s+plaintext\s+123456\s+4\s+2\s+2\s+2\s+-\s+2026-11-26 10:00:04Z$/)
      assert.ok(rows.some((row) => /^bob\s+plaintext\s+\\x1b\]0;owned\\x1b\\\\\s+1\s+1\s+1\s+1\s+success /.test(row)), stdout)
      assert.ok(rows.some((row) => /^CORP\\administrator\s+ntlmssp_v2\s+0101000000000000\s+1 /.test(row)), stdout)
      assert.ok(rows.some((row) => /^anonymous\s+plaintext\s+a@b\.c\s+1\s+0\s+1\s+1 /.test(row)), stdout)
      assert.equal(rows.length, 5, 'a broken secret_b64 is no credential')
    })

    it('--json gives every field, --reused keeps credential reuse only, --service and --limit narrow', async (t) => {
      const url = await profiled(t, kind)
      const all = await decnet(t, url, ['credentials', '--json'])
      assert.equal(all.code, ExitCode.OK, all.stderr)
      const credentials = JSON.parse(all.stdout) as CredentialSummary[]
      assert.equal(credentials.length, 4)
      assert.deepEqual(credentials[0], {
        principal: 'root', secretKind: 'plaintext', secret: '123456', secretB64: b64('123456'),
        secretSha256: '8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92', attempts: 4, attackers: 2, deckies: 2, services: 2,
        targets: 2, outcome: null, firstSeen: '2026-11-26T10:00:01.000Z', lastSeen: '2026-11-26T10:00:04.000Z',
      })
      const bob = credentials.find((c) => c.principal === 'bob')!
      assert.equal(Buffer.from(bob.secretB64, 'base64').toString(), `${ESC}]0;owned${ESC}\\`, 'the exact bytes')

      const reused = JSON.parse((await decnet(t, url, ['credentials', '--reused', '--json'])).stdout) as CredentialSummary[]
      assert.deepEqual(reused.map((c) => c.principal), ['root'])
      const smtp = JSON.parse((await decnet(t, url, ['credentials', '--service', 'smtp', '--json'])).stdout) as CredentialSummary[]
      assert.deepEqual(smtp.map((c) => [c.principal, c.attempts, c.attackers]), [['root', 1, 1]])
      const limited = JSON.parse((await decnet(t, url, ['credentials', '--limit', '2', '--json'])).stdout) as CredentialSummary[]
      assert.equal(limited.length, 2)
      const none = await decnet(t, url, ['credentials', '--service', 'vnc'])
      assert.equal(none.code, ExitCode.OK)
      assert.equal(none.stdout, 'no credentials match\n')
    })

    it('attackers show IP carries the attacker\'s credentials, keeping today\'s fields', async (t) => {
      const url = await profiled(t, kind)
      const shown = await decnet(t, url, ['attackers', 'show', A, '--json'])
      assert.equal(shown.code, ExitCode.OK, shown.stderr)
      const profile = JSON.parse(shown.stdout) as AttackerDetail
      assert.deepEqual(Object.keys(profile), [
        'ip', 'firstSeen', 'lastSeen', 'eventCount', 'services', 'deckies', 'isTraversal', 'traversalPath', 'commands', 'commandCount',
        'authAttempts', 'techniques', 'country', 'asn', 'asName', 'behaviorClass', 'credentials', 'credentialCount', 'fingerprints', 'fingerprintCount',
        'serviceActivity', 'artifacts', 'sessions', 'behavior', 'mail', 'mailCount', 'smtpTargets', 'smtpTargetCount',
      ])
      // SSH logins, an IMAP login and a broken secret: logins are scans (DECNET's buckets)
      assert.deepEqual(profile.serviceActivity, {interacted: [], scanned: ['auth-helper', 'imap']})
      assert.equal(profile.credentialCount, 2)
      assert.deepEqual(profile.credentials[0], {
        principal: 'root', secretKind: 'plaintext', secret: '123456', secretB64: b64('123456'),
        secretSha256: '8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92', service: 'auth-helper', decky: 'decky-01',
        domain: null, outcome: null, attempts: 3, firstSeen: '2026-11-26T10:00:01.000Z', lastSeen: '2026-11-26T10:00:03.000Z',
      })
      assert.equal(profile.credentials[1].outcome, 'success')

      const text = await decnet(t, url, ['attackers', 'show', A])
      assert.equal(text.code, ExitCode.OK, text.stderr)
      assert.ok(!text.stdout.includes(ESC))
      assert.match(text.stdout, /\n {2}credentials {4}2\n {4}PRINCIPAL\s+KIND\s+SECRET\s+SERVICE\s+DECKY\s+ATTEMPTS\s+OUTCOME\s+LAST SEEN\n {4}root\s+plaintext\s+123456\s+auth-helper\s+decky-01\s+3\s+-\s+2026-11-26 10:00:03Z\n/)
    })
  })
}

describe('decnet credentials, before anything is profiled and on bad input', () => {
  it('says there is nothing yet on an empty database', async (t) => {
    const {url} = defined(await migratedDatabase('sqlite', t), 'a migrated database')
    const {code, stdout} = await decnet(t, url, ['credentials'], 'process')
    assert.equal(code, ExitCode.OK)
    assert.match(stdout, /^no credentials yet: ingest logs/)
  })

  it('exits 2 on a bad --limit and 10 when the database cannot be opened', async (t) => {
    const {url} = defined(await migratedDatabase('sqlite', t), 'a migrated database')
    const bad = await decnet(t, url, ['credentials', '--limit', '0'], 'process')
    assert.equal(bad.code, ExitCode.USAGE, bad.stderr)
    const missing = await decnet(t, 'sqlite:/nonexistent-dir/decnet.sqlite', ['credentials', '--json'], 'process')
    assert.equal(missing.code, ExitCode.DATABASE, missing.stderr)
  })

  it('--help shows examples and the exit codes', async (t) => {
    const {url} = defined(await migratedDatabase('sqlite', t), 'a migrated database')
    const {code, stdout} = await decnet(t, url, ['credentials', '--help'], 'process')
    assert.equal(code, ExitCode.OK)
    assert.match(stdout, /EXAMPLES[\s\S]*decnet credentials --reused/)
    assert.match(stdout.replaceAll(/\s+/g, ' '), /Exit codes: 0 listed \(even none\), 2 a bad flag value or database URL, 10 the database could not be opened/)
  })
})
