// The proof on a realistic corpus (issue 16, "Done when"): a generated DECNET
// log (test/helpers/decnet-corpus.ts: scanners, brute-forcers, intruders,
// web attackers, mailers, database attackers, sniffer and prober lines, junk)
// ingested with `decnet ingest`, profiled by the real heavy fleet (spawned,
// stopped with SIGTERM once both workers said they reached the last line),
// then read back with `decnet export json` and `decnet attackers show IP
// --json`, on SQLite and on PostgreSQL. Every attacker must show the sections
// its persona earned, and the profiles must equal those the profiler builds
// from the same log in ticks of other sizes.
import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import {openDatabase, parseDatabaseUrl} from '../../src/db/index.js'
import {INFRASTRUCTURE_SERVICES} from '../../src/logs/activity.js'
import {PROFILER_DATABASE_OPTIONS, Profiler} from '../../dist/workers/profiler/profiler.js'
import {DATABASE_KINDS, type DatabaseKind, freshDatabase, skipReason} from '../helpers/databases.js'
import {decnetCorpus, type Persona} from '../helpers/decnet-corpus.js'
import {EXIT, dataDirEnv, type DataDirEnv, runDecnet, startDecnet} from '../helpers/decnet-cli.js'
import {tagPending} from '../helpers/reference-tagger.js'

const NOBODY = 65_534
const AS_ROOT = process.getuid?.() === 0
/** As root the fleet drops to nobody; an ordinary user runs it as itself. */
const FLEET_USER = AS_ROOT ? ['--user', 'nobody'] : []
const CORPUS = decnetCorpus({lines: 3000, seed: 16})
const ACCEPTED = CORPUS.lines.length - CORPUS.junk
/** Ticks of these many lines (the fleet's is 100,000: the whole log in one), the second with its reading thread on SQLite. */
const OTHER_BATCHES = [7, 250] as const

/** A profile as `decnet export json` and `decnet attackers show --json` give it (the fields this test reads). */
interface Shown {
  ip: string
  eventCount: number
  behaviorClass: null | string
  behavior: {class: string; os: {guess: null | string; hopDistance: null | number}; timing: {eventCount: number}} | null
  credentials: Array<{service: string; secret: string; attempts: number}>
  fingerprints: Array<{type: string; count: number}>
  techniques: Array<{techniqueId: string}>
  commands: Array<{command: string}>
  commandCount: number
  artifacts: Array<{sha256: string}>
  sessions: Array<{id: string; service: string}>
  serviceActivity: {interacted: string[]; scanned: string[]}
  mail: Array<{subject: null | string; attachments: Array<{sha256: null | string}>}>
  smtpTargets: Array<{domain: string}>
  [field: string]: unknown
}

/** Whether some corpus line is an event of `eventType` carrying `field="value"`. */
function corpusHas(eventType: string, field: string, value: string): boolean {
  const needle = `${field}="${value}"`
  return CORPUS.lines.some((line) => line.includes(` ${eventType} `) && line.includes(needle))
}

const types = (profile: Shown) => new Set(profile.fingerprints.map((f) => f.type))
const techniques = (profile: Shown) => new Set(profile.techniques.map((t) => t.techniqueId))

/** What each persona's attackers must show: the sections they earned. */
const EARNED: Record<Persona, (profile: Shown) => void> = {
  scanner(p) {
    assert.ok(p.behavior?.os.guess, 'the sniffer\'s SYN gives an OS guess')
    assert.ok((p.behavior?.os.hopDistance ?? 0) > 0, 'and a hop distance')
    // a prober line names the scanner as target_ip: its HASSH is filed under it
    const probed = corpusHas('hassh_fingerprint', 'target_ip', p.ip)
    assert.equal(types(p).has('hassh_server'), probed, 'hassh_server from the prober')
    assert.equal(types(p).has('kex_order'), probed, 'kex_order from the prober')
    assert.deepEqual(p.credentials, [])
  },
  bruteforcer(p) {
    assert.ok(p.credentials.length > 0, 'credentials')
    for (const c of p.credentials) assert.ok(['auth-helper', 'telnet'].includes(c.service), c.service)
    assert.deepEqual([...types(p)], ['ssh_client_banner'])
    assert.ok(techniques(p).has('T1110.001'), 'brute force')
    assert.equal(p.commandCount, 0)
  },
  intruder(p) {
    assert.ok(p.credentials.length > 0, 'credentials')
    assert.ok(p.commandCount > 0 && p.commands.length === p.commandCount, 'commands')
    assert.ok(techniques(p).has('T1110.001') && techniques(p).size >= 2, `techniques: ${[...techniques(p)].join(", ")}`)
    assert.deepEqual(p.sessions.map((s) => s.service), ['ssh'], 'one recorded SSH session')
    assert.ok((p.services as string[]).includes('ssh') && !(p.services as string[]).includes('sessrec'), 'the session counts for ssh, not for its recorder')
    assert.ok(p.serviceActivity.interacted.includes('ssh'), 'interacted with ssh')
    assert.equal(p.artifacts.length > 0, corpusHas('file_captured', 'src_ip', p.ip), 'captured files where it fetched one')
    assert.ok(types(p).has('ssh_client_banner'))
  },
  web(p) {
    for (const type of ['http_useragent', 'http_quirks', 'ja3', 'ja4', 'ja4h_decnet']) assert.ok(types(p).has(type), type)
    const login = CORPUS.lines.some((line) => line.includes(' request ') && line.includes(`remote_addr="${p.ip}"`) && line.includes('principal='))
    assert.equal(p.credentials.length > 0, login, 'form credentials where it posted to /wp-login.php')
    for (const c of p.credentials) assert.equal(c.service, 'http')
    assert.ok(p.serviceActivity.scanned.includes('http'))
  },
  mailer(p) {
    assert.ok(p.serviceActivity.interacted.includes('smtp_relay'), 'relayed mail')
    const mine = (eventType: string) => CORPUS.lines.filter((line) => line.includes(` ${eventType} `) && line.includes(`src="${p.ip}"`))
    assert.equal(p.mail.length, mine('message_stored').length, 'every stored mail')
    for (const m of p.mail) assert.ok(m.subject !== null && m.attachments.length > 0 && m.attachments[0].sha256 !== null, 'subject and attachment hashes')
    // RCPT TO domains, less the reserved TLDs (`gmail.example` is none)
    const domains = new Set(mine('rcpt_to').map((line) => /value="<[^@"]*@([^>"]*)>"/.exec(line)?.[1] ?? '').filter((domain) => domain !== '' && !domain.endsWith('.example')))
    assert.deepEqual(p.smtpTargets.map((target) => target.domain).sort(), [...domains].sort(), 'SMTP target domains')
  },
  database(p) {
    assert.ok(p.credentials.some((c) => c.service === 'mysql'), 'MySQL credentials')
    assert.ok(p.commandCount > 0, 'Redis commands')
    assert.ok(techniques(p).has('T1485'), 'FLUSHALL')
    assert.ok(p.serviceActivity.interacted.includes('redis'))
  },
}

function scratch(t: TestContext): string {
  const dir = mkdtempSync('/tmp/decnet-corpus-e2e-')
  chmodSync(dir, 0o755) // searchable, so nobody can reach db/ inside it
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return dir
}

/** A database for the fleet: SQLite in a directory nobody owns (when root), or a fresh PostgreSQL database. */
async function fleetDatabase(t: TestContext, kind: DatabaseKind, dir: string): Promise<string> {
  if (kind === 'sqlite') {
    mkdirSync(join(dir, 'db'))
    return `sqlite:${join(dir, 'db', 'decnet.sqlite')}`
  }

  const database = await freshDatabase(kind, t)
  t.after(() => database.cleanup())
  return database.url
}

/** Hands the SQLite directory and its files to nobody (the fleet's workers drop to it). */
function giveToNobody(dir: string): void {
  if (!AS_ROOT) return
  chownSync(dir, NOBODY, NOBODY)
  for (const name of readdirSync(dir)) chownSync(join(dir, name), NOBODY, NOBODY)
}

async function ok(t: TestContext, args: string[], env: DataDirEnv): Promise<string> {
  const result = await runDecnet(t, args, {env, timeoutMs: 120_000})
  assert.equal(result.code, EXIT.OK, `decnet ${args.join(' ')}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

async function ingest(t: TestContext, log: string, url: string, env: DataDirEnv): Promise<void> {
  const report = JSON.parse(await ok(t, ['ingest', log, '--json', '--db', url], env)) as {accepted: number; rejected: number}
  assert.deepEqual([report.accepted, report.rejected], [ACCEPTED, CORPUS.junk])
}

/** Every profile, by IP, as `decnet export json` writes them. */
async function exported(t: TestContext, url: string, env: DataDirEnv): Promise<Map<string, Shown>> {
  const lines = (await ok(t, ['export', 'json', '--db', url], env)).split('\n').filter((line) => line !== '')
  return new Map(lines.map((line) => {
    const profile = JSON.parse(line) as Shown
    return [profile.ip, profile]
  }))
}

/** The same log profiled in process, in ticks of `batchSize` lines, and tagged: what the fleet's two workers do. */
async function profiledInTicks(t: TestContext, kind: DatabaseKind, log: string, env: DataDirEnv, batchSize: number, readingThread: boolean): Promise<Map<string, Shown>> {
  const database = await freshDatabase(kind, t)
  t.after(() => database.cleanup())
  await ingest(t, log, database.url, env)
  const db = await openDatabase(database.url, PROFILER_DATABASE_OPTIONS)
  try {
    const profiler = new Profiler(db, {batchSize, ...(readingThread ? {database: parseDatabaseUrl(database.url)} : {})})
    const drained = await profiler.drain()
    assert.equal(drained.lines, ACCEPTED)
    await profiler.checkpoint()
    await tagPending(db)
  } finally {
    await db.destroy()
  }

  return exported(t, database.url, env)
}

describe('the heavy fleet on a realistic corpus (3,000 lines, every persona)', () => {
  for (const kind of DATABASE_KINDS) {
    it(`${kind}: every attacker shows the sections it earned, and the profiles are those of ticks of other sizes`, {skip: skipReason(kind), timeout: 600_000}, async (t) => {
      const dir = scratch(t)
      const env = dataDirEnv(dir)
      const log = join(dir, 'decnet.log')
      writeFileSync(log, `${CORPUS.lines.join('\n')}\n`)
      const url = await fleetDatabase(t, kind, dir)
      await ingest(t, log, url, env)
      if (kind === 'sqlite') giveToNobody(join(dir, 'db'))

      const fleet = startDecnet(t, ['fleet', 'heavy', '--interval', '1', '--db', url, ...FLEET_USER], {env})
      // each worker says what it did after its commit; one pass takes the whole log (ids 1..ACCEPTED)
      await fleet.waitFor(new RegExp(`profiler \\| profiled \\d+ lines: .*\\(cursor ${ACCEPTED}\\)`), 240_000)
      await fleet.waitFor(new RegExp(`ttp \\| tagged \\d+ lines: .*\\(cursor ${ACCEPTED}\\)`), 240_000)
      fleet.child.kill('SIGTERM')
      assert.equal((await fleet.exited).code, 0, fleet.output())

      const profiles = await exported(t, url, env)
      assert.deepEqual([...profiles.keys()].sort(), [...CORPUS.attackers.keys()].sort(), 'one profile per attacker, no other')
      for (const [ip, persona] of CORPUS.attackers) {
        const profile = profiles.get(ip)!
        await t.test(`${persona} ${ip}`, () => {
          assert.equal(typeof profile.behaviorClass, 'string', 'a behaviour class')
          assert.equal(profile.behavior?.class, profile.behaviorClass)
          assert.ok(profile.eventCount > 0)
          // the double-wrapped bash lines were unwrapped at ingest: no service named after rsyslog's APP-NAME `1`
          assert.ok(!(profile.services as string[]).includes('1'), `services: ${(profile.services as string[]).join(', ')}`)
          // services are those the attacker reached: none of DECNET's infrastructure producers, whose lines the corpus has
          for (const producer of INFRASTRUCTURE_SERVICES) assert.ok(!(profile.services as string[]).includes(producer), `services: ${(profile.services as string[]).join(', ')}`)
          EARNED[persona](profile)
        })
      }

      // `attackers show --json` gives the exported profile (less the export's ATT&CK version), for one attacker of each persona
      const shown = new Set<Persona>()
      for (const [ip, persona] of CORPUS.attackers) {
        if (shown.has(persona)) continue
        shown.add(persona)
        const {attackVersion, ...profile} = profiles.get(ip)!
        assert.equal(typeof attackVersion, 'string')
        assert.deepEqual(JSON.parse(await ok(t, ['attackers', 'show', ip, '--json', '--db', url], env)), profile, `${persona} ${ip}`)
      }

      for (const [i, batchSize] of OTHER_BATCHES.entries()) {
        const other = await profiledInTicks(t, kind, log, env, batchSize, i === 1)
        assert.deepEqual(other, profiles, `the profiles built in ticks of ${batchSize} lines`)
      }
    })
  }
})
