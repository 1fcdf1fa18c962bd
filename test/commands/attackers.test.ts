import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import {migrateToLatest, openDatabase} from '../../src/db/index.js'
import type {Database} from '../../src/db/schema.js'
import {profilerTick} from '../../dist/workers/profiler/profiler.js'
import {DATABASE_KINDS, freshDatabase, skipReason, type DatabaseKind} from '../helpers/databases.js'
import {insertLogs} from '../helpers/profiler-logs.js'
import {runInProcess} from '../helpers/run-in-process.js'

const RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const ExitCode = {DATABASE: 10, NOT_FOUND: 11, USAGE: 2}

/** Runs `decnet ARGS...` with a private data directory; resolves to {code, stdout, stderr}. */
interface Run {
  code: number | string | null | undefined
  stderr: string
  stdout: string
}

function decnet(t: TestContext, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'decnet-data-'))
  t.after(() => rmSync(dataDir, {force: true, recursive: true}))
  return new Promise((resolve) => {
    execFile(process.execPath, [RUN, ...args], {env: {...process.env, DECNET_DATA_DIR: dataDir, DECNET_DB_URL: '', ...env}, maxBuffer: 64 * 1024 * 1024, timeout: 60_000}, (error, stdout, stderr) => {
      resolve({code: error ? error.code : 0, stderr, stdout})
    })
  })
}

/**
 * `decnet ARGS...` run in this process (run-in-process.ts), with a private data directory: for the dozens of runs
 * that check what a listing shows or a filter keeps; the exit codes of failures, the environment's database and
 * output through a pipe are `decnet`'s (spawned).
 */
async function decnetHere(t: TestContext, args: string[]): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'decnet-data-'))
  t.after(() => rmSync(dataDir, {force: true, recursive: true}))
  return runInProcess(args, {env: {DECNET_DATA_DIR: dataDir, DECNET_DB_URL: ''}})
}

const log = (id: number, timestamp: string, decky: string, service: string, eventType: string, ip: string, fields: Record<string, string> = {}, msg: string | null = null) => ({
  attacker_ip: ip, decky, event_type: eventType, fields: JSON.stringify({src_ip: ip, ...fields}), msg,
  raw_line: `line ${id}`, service, timestamp,
})
const T = (mmss: string): string => `2026-11-26T10:${mmss}.000Z`
const A = '203.0.113.7'
const B = '198.51.100.20'
const C = '2001:db8::7'

const LOGS = [
  log(1, T('00:00'), 'decky-01', 'ssh', 'login_failed', A, {user: 'root'}),
  log(2, T('00:01'), 'decky-01', 'ssh', 'login_success', A, {user: 'root'}),
  log(3, T('00:05'), 'decky-01', 'ssh', 'command', A, {command: 'uname -a'}),
  log(4, T('01:00'), 'decky-02', 'telnet', 'command', A, {}, `CMD uid=0 user=root src=${A} pwd=/root cmd=cat /etc/shadow`),
  log(5, T('00:30'), 'decky-03', 'http', 'request', B, {path: '/'}),
  log(6, T('02:00'), 'decky-01', 'ssh', 'connect', C),
  // DECNET's sniffer saw C's SYN: an event on the decky, no service reached
  log(7, T('02:00'), 'decky-01', 'sniffer', 'tcp_syn_fingerprint', C),
]

const tag = (id: string, logId: number, ip: string, technique: string, sub: string | null, tactic: string, rule: string) => ({
  attacker_ip: ip, confidence: 0.9, evidence: 'x', id, log_id: logId, rule_id: rule, rule_version: 1,
  sub_technique_id: sub, tactic, technique_id: technique, timestamp: T('00:00'),
})

const TAGS = [
  tag('t1', 3, A, 'T1082', null, 'TA0007', 'system-info'),
  tag('t2', 3, A, 'T1082', null, 'TA0007', 'uname'), // a second rule on the same line counts once
  tag('t3', 4, A, 'T1003', 'T1003.008', 'TA0006', 'shadow'),
  tag('t4', 1, A, 'T1110', null, 'TA0006', 'brute-force'),
  tag('t5', 2, A, 'T1110', null, 'TA0006', 'brute-force'),
]

async function profiledDatabase(t: TestContext, kind: DatabaseKind, more?: (db: Kysely<Database>) => Promise<void>): Promise<string> {
  const database = await freshDatabase(kind, t)
  t.after(() => database.cleanup())
  const db = await openDatabase(database.url)
  try {
    await migrateToLatest(db)
    await insertLogs(db, LOGS)
    await db.insertInto('ttp_tags').values(TAGS).execute()
    await profilerTick(db)
    await more?.(db)
  } finally {
    await db.destroy()
  }

  return database.url
}

const PROFILE_A = {
  ip: A,
  firstSeen: T('00:00'),
  lastSeen: T('01:00'),
  eventCount: 4,
  services: ['ssh', 'telnet'],
  deckies: ['decky-01', 'decky-02'],
  isTraversal: true,
  traversalPath: 'decky-01 -> decky-02',
  commands: [
    {timestamp: T('00:05'), decky: 'decky-01', service: 'ssh', command: 'uname -a'},
    {timestamp: T('01:00'), decky: 'decky-02', service: 'telnet', command: 'cat /etc/shadow'},
  ],
  commandCount: 2,
  authAttempts: 2,
  techniques: [
    {techniqueId: 'T1110', tactic: 'TA0006', count: 2},
    {techniqueId: 'T1003.008', tactic: 'TA0006', count: 1},
    {techniqueId: 'T1082', tactic: 'TA0007', count: 1},
  ],
  country: null,
  asn: null,
  asName: null,
  behaviorClass: 'mixed',
}
/** A's behaviour: four events over one service (ssh and telnet are one, see docs/profiles.md), gaps of 1, 4 and 55 s. */
const BEHAVIOR_A = {
  class: 'mixed',
  serviceCount: 1,
  timing: {eventCount: 4, durationS: 60, meanIatS: 20, medianIatS: 4, stdevIatS: 24.779, minIatS: 1, maxIatS: 55, cv: 1.239, unplaced: 0},
  beacon: null,
  toolGuesses: [],
  phases: {reconStart: T('00:00'), reconEnd: T('00:01'), actionStart: T('00:05'), actionEnd: T('01:00'), exfilLatencyS: 4, largePayloads: 0},
  os: {guess: null, hopDistance: null, tcpFingerprint: null},
  retransmits: 0,
}
/** What `attackers show` adds to a listed profile (these lines carry no credential shape). */
const SHOWN_A = {...PROFILE_A, credentials: [], credentialCount: 0, fingerprints: [], fingerprintCount: 0, serviceActivity: {interacted: ['ssh', 'telnet'], scanned: []}, artifacts: [], sessions: [], behavior: BEHAVIOR_A, mail: [], mailCount: 0, smtpTargets: [], smtpTargetCount: 0}

for (const kind of DATABASE_KINDS) {
  describe(`decnet attackers (${kind})`, {skip: skipReason(kind)}, () => {
    it('lists profiles as JSON, most recently seen first, with --limit', async (t) => {
      const url = await profiledDatabase(t, kind)
      const all = await decnet(t, ['attackers', '--json', '--db', url])
      assert.equal(all.code, 0, all.stderr)
      const page = JSON.parse(all.stdout)
      assert.deepEqual(Object.keys(page), ['limit', 'offset', 'total', 'attackers'])
      assert.deepEqual([page.limit, page.offset, page.total], [50, 0, 3])
      const profiles = page.attackers
      assert.deepEqual(profiles.map((p: {ip: string}) => p.ip), [C, A, B])
      assert.deepEqual(profiles[1], PROFILE_A)
      assert.deepEqual(Object.keys(profiles[0]), Object.keys(PROFILE_A), 'every field, in the documented order')
      const limited = await decnet(t, ['attackers', '--json', '--limit', '1'], {DECNET_DB_URL: url})
      assert.deepEqual(JSON.parse(limited.stdout).attackers.map((p: {ip: string}) => p.ip), [C])
      assert.equal(JSON.parse(limited.stdout).total, 3)
    })

    it('prints a table by default', async (t) => {
      const url = await profiledDatabase(t, kind)
      const {code, stdout} = await decnetHere(t, ['attackers', '--db', url, '--limit', '2'])
      assert.equal(code, 0)
      const lines = stdout.trimEnd().split('\n')
      assert.match(lines[0], /^IP\s+CC\s+LAST SEEN\s+EVENTS\s+AUTH\s+CMDS\s+BEHAVIOR\s+SERVICES\s+DECKIES\s+TECHNIQUES$/)
      // two events (the sniffer's line is one), one service (the sniffer is none)
      assert.match(lines[1], /^2001:db8::7\s+-\s+2026-11-26 10:02:00Z\s+2\s+0\s+0\s+unknown\s+ssh\s+decky-01\s+-$/)
      assert.match(lines[2], /^203\.0\.113\.7\s+-\s+2026-11-26 10:01:00Z\s+4\s+2\s+2\s+mixed\s+ssh,telnet\s+decky-01 -> decky-02\s+T1110,T1003\.008,T1082$/)
      assert.equal(lines[3], '(1-2 of 3 attackers; use --limit and --offset to see more)')
    })

    it('shows one attacker, finding an IPv6 address however it is spelled', async (t) => {
      const url = await profiledDatabase(t, kind)
      const shown = await decnetHere(t, ['attackers', 'show', A, '--json', '--db', url])
      assert.equal(shown.code, 0, shown.stderr)
      assert.deepEqual(JSON.parse(shown.stdout), SHOWN_A)
      const v6 = await decnetHere(t, ['attackers', 'show', '2001:DB8:0::7', '--json', '--db', url])
      assert.equal(JSON.parse(v6.stdout).ip, C)
      const text = await decnetHere(t, ['attackers', 'show', A, '--db', url])
      assert.match(text.stdout, /traversal\s+decky-01 -> decky-02/)
      assert.match(text.stdout, /T1003\.008\s+TA0006\s+1/)
      assert.match(text.stdout, /decky-02\s+telnet\s+cat \/etc\/shadow/)
      assert.match(text.stdout, /behaviour {6}mixed \(4 events, 1 service\)\n {4}timing {5}over 60s: gap mean 20s, median 4s/)
      const mixed = await decnetHere(t, ['attackers', '--behavior', 'mixed', '--json', '--db', url])
      assert.deepEqual(JSON.parse(mixed.stdout).attackers.map((p: {ip: string}) => p.ip), [A])
      const none = await decnetHere(t, ['attackers', '--behavior', 'beaconing', '--db', url])
      assert.equal(none.stdout, 'no attackers match\n')
      const bad = await decnet(t, ['attackers', '--behavior', 'sneaky', '--db', url]) // an exit code of a failure: a real process
      assert.equal(bad.code, ExitCode.USAGE)
    })

    it('carries the latest 10 commands per attacker in a list and says how many there are; show prints them all in time order', async (t) => {
      const database = await freshDatabase(kind, t)
      t.after(() => database.cleanup())
      const db = await openDatabase(database.url)
      // 25 commands of 8 KiB, logged out of time order, profiled over three ticks (three batches)
      const commands = Array.from({length: 25}, (_, i) => log(100 + i, `2026-11-26T11:${String((i * 7) % 25).padStart(2, '0')}:00.000Z`, 'decky-01', 'ssh', 'command', A, {command: `echo ${i} ${'x'.repeat(8192)}`}))
      try {
        await migrateToLatest(db)
        for (const part of [commands.slice(0, 9), commands.slice(9, 17), commands.slice(17)]) {
          await insertLogs(db, part)
          await profilerTick(db)
        }
      } finally {
        await db.destroy()
      }

      const inTimeOrder = commands.map((line) => JSON.parse(line.fields).command).map((command, i) => [(i * 7) % 25, command]).sort(([a], [b]) => a - b).map(([, command]) => command)
      const list = await decnetHere(t, ['attackers', '--json', '--db', database.url])
      assert.equal(list.code, 0, list.stderr)
      const [profile] = JSON.parse(list.stdout).attackers
      assert.equal(profile.commandCount, 25)
      assert.deepEqual(profile.commands.map((c: {command: string}) => c.command), inTimeOrder.slice(-10), 'the latest 10, in time order')
      const table = await decnetHere(t, ['attackers', '--db', database.url])
      assert.match(table.stdout.split('\n')[1], /^203\.0\.113\.7\s+-\s+\S+ \S+\s+25\s+0\s+25\s+\S+\s+ssh/)

      const shown = await decnetHere(t, ['attackers', 'show', A, '--json', '--db', database.url])
      assert.equal(shown.code, 0, shown.stderr)
      const full = JSON.parse(shown.stdout)
      assert.equal(full.commandCount, 25)
      assert.deepEqual(full.commands.map((c: {command: string}) => c.command), inTimeOrder)
      assert.deepEqual(Object.keys(full), Object.keys(SHOWN_A), 'every field, in the documented order')
      assert.equal(shown.stdout, `${JSON.stringify(full, null, 2)}\n`, 'the JSON JSON.stringify would print')
      const text = await decnetHere(t, ['attackers', 'show', A, '--db', database.url])
      const rows = text.stdout.split('\n').filter((line) => /^ {4}2026-11-26 11:/.test(line))
      assert.deepEqual(rows.map((row) => row.split(/\s+/)[6]), inTimeOrder.map((command) => command.split(' ')[1]))
      assert.match(text.stdout, /commands {7}25\n {4}TIME {18}DECKY {5}SERVICE {2}COMMAND\n/)
    })

    it('prints megabytes of --json whole through a pipe (the process does not exit before stdout is handed over)', async (t) => {
      const database = await freshDatabase(kind, t)
      t.after(() => database.cleanup())
      const db = await openDatabase(database.url)
      const ips = Array.from({length: 8}, (_, i) => `198.51.100.${i + 1}`)
      const lines = Array.from({length: 80}, (_, i) => log(200 + i, `2026-11-26T12:00:${String(i % 60).padStart(2, '0')}.000Z`, 'decky-01', 'ssh', 'command', ips[i % 8], {command: `echo ${i} ${'y'.repeat(60_000)}`}))
      try {
        await migrateToLatest(db)
        await insertLogs(db, lines)
        await profilerTick(db)
      } finally {
        await db.destroy()
      }

      const list = await decnet(t, ['attackers', '--json', '--db', database.url])
      assert.equal(list.code, 0, list.stderr)
      assert.ok(list.stdout.length > 4_000_000, `${list.stdout.length} characters`)
      const profiles = JSON.parse(list.stdout).attackers
      assert.deepEqual(profiles.map((p: {commands: unknown[]; commandCount: number}) => [p.commands.length, p.commandCount]), ips.map(() => [10, 10]))
    })

    it('says an unknown attacker is not there, with its own exit code', async (t) => {
      const url = await profiledDatabase(t, kind)
      const {code, stderr, stdout} = await decnet(t, ['attackers', 'show', '192.0.2.99', '--db', url])
      assert.equal(code, ExitCode.NOT_FOUND)
      assert.match(stderr, /no attacker 192\.0\.2\.99 in the database/)
      assert.equal(stdout, '')
      // --json prints the error as JSON and keeps the exit code (oclif alone would exit 1).
      const json = await decnet(t, ['attackers', 'show', '192.0.2.99', '--db', url, '--json'])
      assert.equal(json.code, ExitCode.NOT_FOUND)
      assert.match(JSON.parse(json.stdout).error.message, /no attacker 192\.0\.2\.99/)
    })
  })
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet attackers: filters, sort and paging (${kind})`, {skip: skipReason(kind)}, () => {
    it('keeps only the attackers every filter given matches, and says how many match in all', async (t) => {
      const url = await profiledDatabase(t, kind, async (db) => {
        // where the operator's GeoIP database (decnet fleet heavy --geoip-db) put them
        await db.insertInto('attacker_geo').values([
          {as_name: 'Example Net', asn: 64_500, country: 'DE', ip: A, source: 'test', updated_at: T('00:00')},
          {as_name: null, asn: null, country: 'JP', ip: C, source: 'test', updated_at: T('00:00')},
        ]).execute()
      })
      const ips = async (...args: string[]): Promise<{ips: string[]; total: number}> => {
        const run = await decnetHere(t, ['attackers', '--json', '--db', url, ...args])
        assert.equal(run.code, 0, run.stderr)
        const page = JSON.parse(run.stdout) as {attackers: Array<{ip: string}>; total: number}
        return {ips: page.attackers.map((p) => p.ip), total: page.total}
      }

      const cases: Array<[string[], string[]]> = [
        [['--service', 'telnet'], [A]],
        [['--service', 'ssh'], [C, A]],
        [['--service', 'ss'], []], // a whole name, not a part of one
        [['--service', 'SSH'], []], // as logged
        [['--service', 'sniffer'], []], // DECNET's infrastructure is no service reached
        [['--decky', 'decky-03'], [B]],
        [['--decky', 'decky-01', '--service', 'ssh'], [C, A]],
        [['--technique', 'T1003'], [A]], // its sub-techniques count
        [['--technique', 't1003.008'], [A]],
        [['--technique', 'T1003.001'], []],
        [['--technique', 'T1082'], [A]],
        [['--country', 'de'], [A]],
        [['--country', 'JP'], [C]],
        [['--search', '113.'], [A]],
        [['--search', 'db8'], [C]],
        [['--search', '203.0.113.0/24'], [A]],
        [['--search', '198.51.100.20/32'], [B]],
        [['--search', '2001:db8::/32'], [C]],
        [['--search', '0.0.0.0/0'], [A, B]],
        [['--since', '2026-11-26T10:01:00Z'], [C, A]],
        [['--until', '2026-11-26T10:00:30Z'], [A, B]],
        [['--since', '2026-11-26T10:00:30Z', '--until', '2026-11-26T10:00:30Z'], [A, B]],
        [['--since', '1h'], []],
        [['--since', '5000w'], [C, A, B]],
        [['--sort', 'active'], [A, C, B]],
        [['--sort', 'traversals'], [A, C, B]],
      ]
      for (const [args, expected] of cases) {
        assert.deepEqual(await ips(...args), {ips: expected, total: expected.length}, args.join(' '))
      }

      assert.deepEqual(await ips('--limit', '1', '--offset', '1'), {ips: [A], total: 3})
      assert.deepEqual(await ips('--search', '0.0.0.0/0', '--limit', '1', '--offset', '1'), {ips: [B], total: 2})
      assert.deepEqual(await ips('--offset', '7'), {ips: [], total: 3})
      const shown = JSON.parse((await decnetHere(t, ['attackers', 'show', A, '--json', '--db', url])).stdout)
      assert.deepEqual([shown.country, shown.asn, shown.asName], ['DE', 64_500, 'Example Net'])
      const table = await decnetHere(t, ['attackers', '--db', url, '--country', 'DE'])
      assert.match(table.stdout.split('\n')[1], /^203\.0\.113\.7\s+DE\s+2026-11-26/)
      const text = await decnetHere(t, ['attackers', 'show', A, '--db', url])
      // the enrichment is the last section, after the commands
      assert.match(text.stdout, /\n {2}commands {7}.*\n(?:.*\n)*? {2}enrichment\n {4}country {4}DE\n {4}network {4}AS64500 Example Net\n$/)
      assert.doesNotMatch((await decnetHere(t, ['attackers', 'show', B, '--db', url])).stdout, /enrichment/, 'none without a country or a network')
      assert.equal((await decnetHere(t, ['attackers', '--db', url, '--service', 'ftp'])).stdout, 'no attackers match\n')
    })

    it('sorts by credentials tried', async (t) => {
      const url = await profiledDatabase(t, kind, async (db) => {
        const credential = (ip: string, principal: string) => ({
          attacker_ip: ip, attempts: 1, decky: 'decky-01', domain: null, failures: 1, first_log_id: 1, first_seen: T('00:00'), last_log_id: 1,
          last_seen: T('00:00'), principal, secret_b64: 'eA==', secret_bytes: 1, secret_kind: 'plaintext', secret_sha256: 'x', service: 'ssh', successes: 0,
        })
        await db.insertInto('credentials').values([credential(B, 'root'), credential(B, 'admin'), credential(A, 'root')]).execute()
      })
      const run = await decnetHere(t, ['attackers', '--json', '--sort', 'credentials', '--db', url])
      assert.deepEqual(JSON.parse(run.stdout).attackers.map((p: {ip: string}) => p.ip), [B, A, C])
    })
  })
}

describe('decnet attackers: usage errors', () => {
  it('rejects something that is not an IP address', async (t) => {
    for (const bad of ['1.2.3', 'example.com', '203.0.113.7/24']) {
      const {code, stderr} = await decnet(t, ['attackers', 'show', bad])
      assert.equal(code, ExitCode.USAGE, bad)
      assert.match(stderr, /Expected an IPv4 or IPv6 address/)
    }
  })

  it('rejects a bad --limit and a bad --db', async (t) => {
    assert.equal((await decnet(t, ['attackers', '--limit', '0'])).code, ExitCode.USAGE)
    for (const [flag, value] of [['--technique', 'T11'], ['--country', 'GBR'], ['--since', 'yesterday'], ['--until', '24x'], ['--search', '10.0.0.0/33'], ['--search', 'x/8'], ['--sort', 'loud']]) {
      const run = await decnet(t, ['attackers', flag, value])
      assert.equal(run.code, ExitCode.USAGE, `${flag} ${value}: ${run.stderr}`)
      assert.ok(run.stderr.replaceAll(/\n? ›\s+/g, ' ').includes(value), `${flag} ${value}: ${run.stderr}`)
    }

    const bad = await decnet(t, ['attackers', '--db', 'mysql://x/y'])
    assert.equal(bad.code, ExitCode.USAGE)
    assert.match(bad.stderr, /unsupported scheme/)
    const unreachable = await decnet(t, ['attackers', 'show', '192.0.2.1', '--db', 'postgres://decnet@127.0.0.1:1/decnet'])
    assert.equal(unreachable.code, ExitCode.DATABASE)
    assert.match(unreachable.stderr, /cannot connect to postgresql at 127\.0\.0\.1:1/)
  })

  it('says when there are no attackers yet (in a database that exists)', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'decnet-data-'))
    t.after(() => rmSync(dataDir, {force: true, recursive: true}))
    assert.equal((await decnet(t, ['db', 'migrate'], {DECNET_DATA_DIR: dataDir})).code, 0)
    const {code, stdout} = await decnet(t, ['attackers'], {DECNET_DATA_DIR: dataDir})
    assert.equal(code, 0)
    assert.match(stdout, /no attackers yet/)
  })
})
