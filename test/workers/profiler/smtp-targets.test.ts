import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'
import type {TestContext} from 'node:test'

import type {AttackerArtifactsTable, AttackerSmtpTargetsTable, Database, NewLog} from '../../../src/db/schema.js'
import type {DatabaseKind, MigratedDatabase} from '../../helpers/databases.js'

import {parseDatabaseUrl} from '../../../src/db/url.js'
import {PROFILER_CURSOR, Profiler, profilerTick} from '../../../src/workers/profiler/profiler.js'
import {ProfilerSemantics} from '../../../src/workers/profiler/semantics.js'
import {addSmtpTargets} from '../../../src/workers/profiler/smtp-target-rows.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {defined} from '../../helpers/defined.js'
import {killProfilerMidRunAndFinish} from '../../helpers/profiler-kill.js'
import {insertLogs} from '../../helpers/profiler-logs.js'

/** A deterministic pseudo-random source. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return (state >>> 8) % n
  }
}

const ADDRESSES = [
  '<cfo@bank.example.com>', 'TO:<ops@Bank.Example.COM.> NOTIFY=NEVER', '<info@bücher.de>', '<info@xn--bcher-kva.de>', '<a@аpple.com>',
  '<x@victim.test>', '<postmaster>', '<u@[192.0.2.1]>', '<"e\u0000vil"@ex\u001bample.com>', `<a@${'x'.repeat(300)}.com>`, '<a@\ud800.com>', 'user@mail.example.org',
]
const RCPT_TYPES = ['rcpt_to', 'rcpt_denied', 'rcpt_greylisted', 'rcpt_rejected_syntax', 'rcpt_rejected_tld', 'RCPT-To']

/**
 * `count` log rows of DECNET's SMTP shapes: RCPT lines of every outcome,
 * accepted messages to many recipients, stored mails with hostile subjects,
 * some other lines between, timestamps a little out of order.
 */
function smtpLogs(count: number, seed: number, attackers = 20): NewLog[] {
  const rand = random(seed)
  const rows: NewLog[] = []
  for (let i = 0; i < count; i++) {
    const timestamp = new Date(Date.UTC(2026, 10, 26, 12) + i * 3000 - rand(90) * 1000).toISOString()
    const ip = `198.51.100.${rand(attackers) + 1}`
    const shape = rand(10)
    const recipients = () => Array.from({length: 1 + rand(rand(4) === 0 ? 40 : 3)}, () => ADDRESSES[rand(ADDRESSES.length)].replace(/^TO:|<|>| NOTIFY=NEVER/g, '')).join(rand(2) === 0 ? ',' : ', ')
    let row: Omit<NewLog, 'raw_line' | 'timestamp'>
    if (shape < 5) {
      row = {attacker_ip: ip, decky: 'mx-01', event_type: RCPT_TYPES[rand(RCPT_TYPES.length)], fields: JSON.stringify({src: ip, value: ADDRESSES[rand(ADDRESSES.length)]}), msg: null, service: rand(2) === 0 ? 'smtp' : 'smtp_relay'}
    } else if (shape < 7) {
      row = {attacker_ip: ip, decky: 'mx-01', event_type: 'message_accepted', fields: JSON.stringify({src: ip, rcpt_to: recipients(), msg_id: `M${i}`, body_bytes: '100'}), msg: null, service: 'smtp_relay'}
    } else if (shape === 7) {
      const fields = {src: ip, msg_id: `M${i}`, rcpt_to: recipients(), subject: `s\u001b[2J\u0000${'y'.repeat(rand(3) * 400)}`, sha256: 'ab'.repeat(32), attachments_json: rand(2) === 0 ? '[{"filename":"a.zip","sha256":"' + 'c'.repeat(64) + '"}]' : '{bad'}
      row = {attacker_ip: ip, decky: 'mx-02', event_type: 'message_stored', fields: JSON.stringify(fields), msg: null, service: 'smtp_relay'}
    } else {
      row = {attacker_ip: ip, decky: 'mx-01', event_type: rand(2) === 0 ? 'connect' : 'mail_from', fields: JSON.stringify({src: ip, value: '<a@b.com>'}), msg: null, service: 'smtp_relay'}
    }

    rows.push({...row, raw_line: `line ${i}`, timestamp})
  }

  return rows
}

/** What a fold of every line of `logs`, from scratch and in one go, gives. */
async function expected(db: Kysely<Database>): Promise<{mail: AttackerArtifactsTable[]; targets: AttackerSmtpTargetsTable[]}> {
  const logs = await db.selectFrom('logs').selectAll().orderBy('id').execute()
  const semantics = new ProfilerSemantics()
  const rows = new Map<string, AttackerSmtpTargetsTable>()
  const mail: AttackerArtifactsTable[] = []
  for (const line of logs) {
    const {artifact, smtpTargets} = semantics.describe(line)
    if (line.attacker_ip === null) continue
    if (smtpTargets !== undefined) addSmtpTargets(rows, line.attacker_ip, [{log_id: Number(line.id), targets: smtpTargets, timestamp: line.timestamp}])
    if (artifact?.kind === 'mail') {
      const {kind, ...details} = artifact
      mail.push({decky: line.decky, details: JSON.stringify(details), ip: line.attacker_ip, kind, log_id: Number(line.id), service: line.service, timestamp: line.timestamp})
    }
  }

  return {mail, targets: sortedTargets([...rows.values()])}
}

async function stored(db: Kysely<Database>): Promise<{mail: AttackerArtifactsTable[]; targets: AttackerSmtpTargetsTable[]}> {
  const targets = (await db.selectFrom('attacker_smtp_targets').selectAll().execute()).map((row) => ({
    ...row, count: Number(row.count), first_log_id: Number(row.first_log_id), last_log_id: Number(row.last_log_id), messages: Number(row.messages),
  }))
  const mail = (await db.selectFrom('attacker_artifacts').selectAll().where('kind', '=', 'mail').orderBy('log_id').execute()).map((row) => ({
    ...row, details: JSON.stringify(JSON.parse(row.details)), log_id: Number(row.log_id),
  }))
  return {mail, targets: sortedTargets(targets)}
}

function sortedTargets(rows: AttackerSmtpTargetsTable[]): AttackerSmtpTargetsTable[] {
  const key = (row: AttackerSmtpTargetsTable) => `${row.attacker_ip}\u0000${row.domain}`
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

async function drain(db: Kysely<Database>, batchSize: number): Promise<void> {
  for (;;) {
    const result = await profilerTick(db, {batchSize})
    if (result.lines < batchSize) return
  }
}

async function setup(t: TestContext, kind: DatabaseKind): Promise<MigratedDatabase> {
  return defined(await migratedDatabase(kind, t), 'a migrated database')
}

async function reset(db: Kysely<Database>): Promise<void> {
  for (const table of ['attacker_smtp_targets', 'attacker_fingerprints', 'credentials', 'attacker_command_batches', 'attackers', 'worker_state', 'attacker_services', 'attacker_artifacts', 'attacker_behavior'] as const) {
    await db.deleteFrom(table).execute()
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`profiler SMTP targets and stored mail (${kind})`, {skip: skipReason(kind), timeout: 180_000}, () => {
    it('keeps each (attacker, domain) once with its RCPT and message counts, the same whatever the batch size', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, smtpLogs(1500, 1))
      const want = await expected(db)
      assert.ok(want.targets.length >= 60, `${want.targets.length} targets`)
      const domains = new Set(want.targets.map((row) => row.domain))
      assert.deepEqual([...domains].sort(), ['bank.example.com', 'mail.example.org', 'xn--bcher-kva.de', 'xn--pple-43d.com'], 'IDNs as A-labels; reserved, literal and hostile addresses are no domain')
      assert.ok(want.targets.some((row) => row.count > 5 && row.messages > 5), 'RCPT lines and messages both counted')
      assert.ok(want.mail.length > 100, `${want.mail.length} mails`)
      await drain(db, 137)
      assert.deepEqual(await stored(db), want)
      for (const size of [1000, 7]) {
        await reset(db)
        await drain(db, size)
        assert.deepEqual(await stored(db), want, `batches of ${size}`)
      }
    })

    it('counts nothing twice when the cursor moves back without a reset, or the attackers are cleared alone', async (t) => {
      const {db} = await setup(t, kind)
      await insertLogs(db, smtpLogs(800, 3))
      await drain(db, 100)
      const want = await expected(db)
      assert.deepEqual(await stored(db), want)
      await db.updateTable('worker_state').set({cursor: 50}).where('worker', '=', PROFILER_CURSOR).execute()
      assert.equal((await profilerTick(db, {batchSize: 10_000})).lines, 750)
      assert.deepEqual(await stored(db), want)
      await db.deleteFrom('attackers').execute()
      await db.updateTable('worker_state').set({cursor: 0}).where('worker', '=', PROFILER_CURSOR).execute()
      await drain(db, 100)
      assert.deepEqual(await stored(db), want)
      await insertLogs(db, smtpLogs(300, 4))
      await drain(db, 64)
      assert.deepEqual(await stored(db), await expected(db), 'new lines afterwards are counted once')
    })

    it('drains (reading ahead, on SQLite on its reading thread) into the same targets and mail', async (t) => {
      const {db, url} = await setup(t, kind)
      await insertLogs(db, smtpLogs(3000, 6))
      await new Profiler(db, {batchSize: 256, database: parseDatabaseUrl(url)}).drain()
      assert.deepEqual(await stored(db), await expected(db))
    })

    it('loses and doubles no target when the worker is SIGKILLed mid-run and restarted', async (t) => {
      const {db, url} = await setup(t, kind)
      const lines = 20_000
      await insertLogs(db, smtpLogs(lines, 5, 200))
      await killProfilerMidRunAndFinish(t, db, url, lines)
      assert.deepEqual(await stored(db), await expected(db))
    })
  })
}
