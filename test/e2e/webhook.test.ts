// End to end: `decnet fleet heavy --webhook URL` against a real HTTP receiver on
// 127.0.0.1. Alerts survive a SIGKILL of the whole fleet while the receiver is down
// and arrive exactly once when it comes back; a receiver that never answers does not
// hold up the ticks; a bad URL or an unreadable secret is refused before anything starts.
import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import {alertKey} from '../../src/alerts/alert.js'
import type {AlertPayload} from '../../src/alerts/alert-payload.js'
import {migrateToLatest, openDatabase} from '../../src/db/index.js'
import type {Database} from '../../src/db/schema.js'
import {ExitCode} from '../../src/exit-codes.js'
import {DATABASE_KINDS, type DatabaseKind, freshDatabase, skipReason} from '../helpers/databases.js'
import {EXIT, dataDirEnv, type DecnetRun, runDecnet, startDecnet, unwrap} from '../helpers/decnet-cli.js'
import {commandLog, insertLogs} from '../helpers/ttp-logs.js'
import {makeCertificates, opensslMissing} from '../helpers/test-certificates.js'
import {freePort, startReceiver} from '../helpers/webhook-receiver.js'

const NOBODY = 65_534
const ROOT = process.getuid?.() === 0
const SECRET = 'e2e-webhook-secret'
const TIMEOUT_MS = 180_000
const COMMANDS = ['uname -a', 'history -c', 'cat /etc/passwd', 'crontab -l', 'id']

interface Setup {
  readonly db: Kysely<Database>
  readonly args: string[]
  readonly env: Record<string, string>
  readonly secretFile: string
}

/** A data directory (root's, with a `db/` nobody owns when running as root), the database, the secret file, the fleet's arguments. */
async function setup(t: TestContext, kind: DatabaseKind): Promise<Setup> {
  const dir = mkdtempSync('/tmp/decnet-webhook-e2e-')
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'db'), {mode: 0o700})
  let url = `sqlite:${join(dir, 'db', 'decnet.sqlite')}`
  if (kind === 'postgres') {
    const database = await freshDatabase(kind, t)
    t.after(() => database.cleanup())
    url = database.url
  }

  const db = await openDatabase(url)
  t.after(() => db.destroy())
  await migrateToLatest(db)
  if (ROOT && kind === 'sqlite') {
    chownSync(join(dir, 'db'), NOBODY, NOBODY)
    for (const name of readdirSync(join(dir, 'db'))) chownSync(join(dir, 'db', name), NOBODY, NOBODY)
  }

  const secretFile = join(dir, 'webhook.secret')
  writeFileSync(secretFile, `${SECRET}\n`, {mode: 0o600})
  const args = ['fleet', 'heavy', ...(ROOT ? ['--user', 'nobody'] : []), '--db', url, '--interval', '0.2', '--webhook-secret-file', secretFile]
  // a short lease, so a restarted fleet takes over from the killed one at once
  return {args, db, env: {...dataDirEnv(dir), DECNET_LEASE_SECONDS: '1'}, secretFile}
}

/** Log lines from `count` attackers (from `first`), each running every command of COMMANDS. */
function attackLines(first: number, count: number, minute = 0) {
  return Array.from({length: count}, (_, a) => COMMANDS.map((command, c) => commandLog(`198.51.100.${first + a}`, minute + c, command))).flat()
}

/** Waits (polling the database, as the fleet's own tests do) until `done` holds; fails if the fleet exits first. */
async function until<T>(fleet: DecnetRun, what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let exited = false
  void fleet.exited.then(() => (exited = true))
  for (;;) {
    const value = await read()
    if (done(value)) return value
    assert.equal(exited, false, `the fleet exited while waiting for ${what} (${JSON.stringify(value)})\n${fleet.output()}`)
    await sleep(50)
  }
}

async function count(db: Kysely<Database>, table: 'alert_outbox' | 'attackers' | 'logs'): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

async function cursors(db: Kysely<Database>): Promise<Record<string, number>> {
  const rows = await db.selectFrom('worker_state').select(['worker', 'cursor']).execute()
  return Object.fromEntries(rows.map((row) => [row.worker, Number(row.cursor)]))
}

/** The alerts the database says are due: a first sighting per attacker, a technique per (attacker, technique) tagged. */
async function dueAlerts(db: Kysely<Database>): Promise<string[]> {
  const attackers = await db.selectFrom('attackers').select('ip').execute()
  const pairs = await db.selectFrom('ttp_tags').select(['attacker_ip', 'technique_id', 'sub_technique_id']).distinct().execute()
  return [
    ...attackers.map(({ip}) => alertKey({attackerIp: ip, kind: 'attacker.first_seen', techniqueId: null})),
    ...pairs.map((tag) => alertKey({attackerIp: tag.attacker_ip!, kind: 'attacker.technique', techniqueId: tag.sub_technique_id ?? tag.technique_id})),
  ].sort()
}

function keyOf(payload: AlertPayload): string {
  return alertKey({attackerIp: payload.attacker.ip, kind: payload.event, techniqueId: payload.technique?.id ?? null})
}

/** Every process of the fleet, master first, killed at once by SIGKILL (nothing gets to clean up). */
async function killFleet(fleet: DecnetRun): Promise<void> {
  const pids = [fleet.child.pid!, ...fleet.workerPids().values()]
  for (const pid of pids) process.kill(pid, 'SIGKILL')
  const {signal} = await fleet.exited
  assert.equal(signal, 'SIGKILL')
}

for (const kind of DATABASE_KINDS) {
  describe(`decnet fleet heavy --webhook (${kind})`, {skip: skipReason(kind), timeout: TIMEOUT_MS}, () => {
    it('the receiver down while the fleet is SIGKILLed and restarted: every alert arrives exactly once when it comes back', async (t) => {
      const {args, db, env} = await setup(t, kind)
      await insertLogs(db, attackLines(1, 6))
      const lines = await count(db, 'logs')
      const port = await freePort()
      const url = `http://127.0.0.1:${port}/hooks/decnet?token=t0ken`
      const first = startDecnet(t, [...args, '--webhook', url, '--webhook-max-backoff', '0.5'], {env})
      await first.waitFor(/worker webhook ready/)
      // the ticks commit their alerts with their rows; the sender cannot deliver them
      await until(first, 'both cursors at the last line', () => cursors(db), (c) => c.profiler === lines && c.ttp === lines)
      const due = await dueAlerts(db)
      assert.ok(due.length > 6, `first sightings and techniques are due (${due.length})`)
      await until(first, 'every due alert queued', () => count(db, 'alert_outbox'), (n) => n === due.length)
      await first.waitFor(/webhook: delivery to http:\/\/127\.0\.0\.1:\d+\/… failed \(ECONNREFUSED\)/)
      await killFleet(first)
      assert.doesNotMatch(first.output(), /t0ken|hooks\/decnet|e2e-webhook-secret/, 'neither the URL\'s path and query nor the secret are logged')

      const receiver = await startReceiver(t, {port, secret: SECRET})
      const second = startDecnet(t, [...args, '--webhook', url], {env})
      await receiver.received(due.length)
      await until(second, 'an empty outbox', () => count(db, 'alert_outbox'), (n) => n === 0)
      second.child.kill('SIGTERM')
      assert.equal((await second.exited).code, EXIT.OK, second.output())

      const payloads = receiver.requests.map((request) => JSON.parse(request.body) as AlertPayload)
      assert.deepEqual(payloads.map(keyOf).sort(), due, 'each due alert, once')
      assert.ok(receiver.requests.every((request) => request.verified), 'every signature verifies')
      assert.equal(new Set(payloads.map((payload) => payload.id)).size, payloads.length)
      const technique = payloads.find((payload) => payload.technique?.id === 'T1082')
      assert.equal(technique?.technique?.name, 'System Information Discovery', 'named from the catalog')
      assert.equal(technique?.technique?.tacticName, 'Discovery')
    })

    it('a receiver that never answers does not stop the ticks: profiles and the queue keep growing', async (t) => {
      const {args, db, env} = await setup(t, kind)
      await insertLogs(db, attackLines(1, 3))
      const receiver = await startReceiver(t, {answer: () => 'hang', secret: SECRET})
      const fleet = startDecnet(t, [...args, '--webhook', receiver.url, '--webhook-timeout', '600'], {env})
      await receiver.received(1) // the sender now waits on a request that will not be answered
      await insertLogs(db, attackLines(10, 4, 30))
      await until(fleet, 'the later attackers profiled', () => count(db, 'attackers'), (n) => n === 7)
      const lines = await count(db, 'logs')
      await until(fleet, 'the later lines tagged', () => cursors(db), (c) => c.ttp === lines)
      const due = await dueAlerts(db)
      await until(fleet, 'their alerts queued', () => count(db, 'alert_outbox'), (n) => n === due.length)
      assert.equal(receiver.accepted().length, 0)
      fleet.child.kill('SIGTERM')
      assert.equal((await fleet.exited).code, EXIT.OK, fleet.output())
    })
  })
}

describe('decnet fleet heavy --webhook https://... --webhook-ca FILE (a private CA)', {skip: opensslMissing(), timeout: TIMEOUT_MS}, () => {
  it('delivers to a receiver whose certificate the private CA signed', async (t) => {
    const {args, db, env} = await setup(t, 'sqlite')
    const certs = mkdtempSync('/tmp/decnet-webhook-ca-')
    t.after(() => rmSync(certs, {force: true, recursive: true}))
    const files = makeCertificates(certs)
    await insertLogs(db, attackLines(1, 1))
    const receiver = await startReceiver(t, {secret: SECRET, tls: {cert: readFileSync(files['server.crt'], 'utf8'), key: readFileSync(files['server.key'], 'utf8')}})
    const fleet = startDecnet(t, [...args, '--webhook', receiver.url, '--webhook-ca', files['ca.crt']], {env})
    await fleet.waitFor(/alerts: POST to https:\/\/127\.0\.0\.1:\d+\/… \(signed with HMAC-SHA256; its TLS certificate checked against the CA of .*ca\.crt only\)/)
    const lines = await count(db, 'logs')
    await until(fleet, 'both cursors at the last line', () => cursors(db), (c) => c.profiler === lines && c.ttp === lines)
    const due = await dueAlerts(db)
    await receiver.received(due.length)
    await until(fleet, 'an empty outbox', () => count(db, 'alert_outbox'), (n) => n === 0)
    fleet.child.kill('SIGTERM')
    assert.equal((await fleet.exited).code, EXIT.OK, fleet.output())
    assert.deepEqual(receiver.requests.map((request) => keyOf(JSON.parse(request.body) as AlertPayload)).sort(), due)
    assert.ok(receiver.requests.every((request) => request.verified))
  })
})

describe('decnet fleet heavy --webhook: settings refused before the fleet starts', {timeout: TIMEOUT_MS}, () => {
  const run = async (t: TestContext, extra: string[], env: Record<string, string> = {}) => {
    const dir = mkdtempSync('/tmp/decnet-webhook-e2e-')
    t.after(() => rmSync(dir, {force: true, recursive: true}))
    const secretFile = join(dir, 'secret')
    writeFileSync(secretFile, 's3cret', {mode: 0o600})
    const args = ['fleet', 'heavy', ...(ROOT ? ['--user', 'nobody'] : []), ...extra.map((arg) => arg.replace('SECRET_FILE', secretFile))]
    const result = await runDecnet(t, args, {env: {...dataDirEnv(dir), DECNET_WEBHOOK_SECRET: '', ...env}})
    assert.doesNotMatch(result.stdout + result.stderr, /ready/, 'no worker started')
    return {...result, stderr: unwrap(result.stderr)}
  }

  it('a URL that is not http or https: exit 14, naming the flag, showing no credentials', async (t) => {
    const result = await run(t, ['--webhook', 'ftp://user:pw@files.example/drop?token=abc', '--webhook-secret-file', 'SECRET_FILE'])
    assert.equal(result.code, ExitCode.WEBHOOK, result.stderr)
    assert.match(result.stderr, /Expected `--webhook` to be an http:\/\/ or https:\/\/ URL, got `ftp:\/\/files\.example\/…`/)
    assert.doesNotMatch(result.stderr, /pw|abc/)
  })

  it('a secret file that cannot be read, or no secret: exit 14, saying which', async (t) => {
    const missing = await run(t, ['--webhook', 'https://hooks.example/x', '--webhook-secret-file', '/nonexistent/webhook.secret'])
    assert.equal(missing.code, ExitCode.WEBHOOK, missing.stderr)
    assert.match(missing.stderr, /cannot read the webhook secret file "\/nonexistent\/webhook\.secret" \(--webhook-secret-file\): ENOENT/)
    const none = await run(t, ['--webhook', 'https://hooks.example/x'])
    assert.equal(none.code, ExitCode.WEBHOOK, none.stderr)
    assert.match(none.stderr, /--webhook needs a signing secret/)
  })

  it('a --webhook-ca file that cannot be used: exit 14, naming the file', async (t) => {
    const missing = await run(t, ['--webhook', 'https://hooks.example/x', '--webhook-secret-file', 'SECRET_FILE', '--webhook-ca', '/nonexistent/ca.pem'])
    assert.equal(missing.code, ExitCode.WEBHOOK, missing.stderr)
    assert.match(missing.stderr, /cannot read the webhook CA file "\/nonexistent\/ca\.pem" \(--webhook-ca\): ENOENT/)
    const notPem = await run(t, ['--webhook', 'https://hooks.example/x', '--webhook-secret-file', 'SECRET_FILE', '--webhook-ca', 'SECRET_FILE'])
    assert.equal(notPem.code, ExitCode.WEBHOOK, notPem.stderr)
    assert.match(notPem.stderr, /\(--webhook-ca\) holds no PEM certificate/)
  })

  it('a webhook flag without --webhook: exit 2', async (t) => {
    const stray = await run(t, ['--webhook-max-queue', '5'])
    assert.equal(stray.code, EXIT.USAGE, stray.stderr)
    assert.match(stray.stderr, /`--webhook-max-queue` needs --webhook URL/)
  })
})
