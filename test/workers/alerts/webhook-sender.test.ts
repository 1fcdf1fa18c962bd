// Alerts from tick to receiver, without the fleet: the ticks queue them in their own
// transactions (once per new attacker, once per technique an attacker did not have),
// the queue stays bounded, and the sender delivers them to a real HTTP server on
// 127.0.0.1, signed, retrying after a failure.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Kysely} from 'kysely'

import type {NewAlert} from '../../../src/alerts/alert.js'
import type {Database} from '../../../src/db/schema.js'
import {Matcher} from '../../../src/ttp/matcher.js'
import {loadRules} from '../../../src/ttp/rule-loader.js'
import {ttpTick} from '../../../src/workers/ttp/tick.js'
import {WebhookSender} from '../../../src/workers/alerts/webhook-sender.js'
import {AlertQueue} from '../../../dist/workers/alerts/alert-queue.js'
import {Profiler} from '../../../dist/workers/profiler/profiler.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {commandLog, insertLogs} from '../../helpers/ttp-logs.js'
import {freePort, startReceiver} from '../../helpers/webhook-receiver.js'

const SECRET = 'test-secret'
const matcher = new Matcher((await loadRules()).rules)

const firstSeen = (ip: string, logId: number): NewAlert => ({attackerIp: ip, kind: 'attacker.first_seen', logId, seenAt: `2026-11-20T08:00:0${logId % 10}.000Z`, tactic: null, techniqueId: null})

async function queue(db: Kysely<Database>, q: AlertQueue, alerts: NewAlert[]) {
  return db.transaction().execute((trx) => q.queue(trx, alerts))
}

async function outboxKeys(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('alert_outbox').select('alert_key').orderBy('id').execute()).map((row) => row.alert_key)
}

function sender(db: Kysely<Database>, url: string, maxBackoffMs = 1000): WebhookSender {
  return new WebhookSender(db, {concurrency: 2, maxBackoffMs, secret: SECRET, timeoutMs: 5000, url: new URL(url)})
}

for (const kind of DATABASE_KINDS) {
  describe(`webhook alerts (${kind})`, {skip: skipReason(kind)}, () => {
    it('delivers queued alerts oldest first, signed, and forgets them', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await queue(db, new AlertQueue(), [firstSeen('203.0.113.1', 1), firstSeen('203.0.113.2', 2), firstSeen('203.0.113.3', 3)])
      const receiver = await startReceiver(t, {secret: SECRET})
      const result = await sender(db, receiver.url).pass(new AbortController().signal)
      assert.deepEqual(result, {delivered: 3, failures: 0})
      assert.equal(receiver.requests.length, 3)
      for (const request of receiver.requests) {
        assert.equal(request.verified, true, 'the signature verifies with the shared secret')
        assert.equal(request.method, 'POST')
        assert.equal(request.path, '/hooks/decnet?token=t0ken')
        assert.equal(request.headers['content-type'], 'application/json')
        assert.match(String(request.headers['x-decnet-delivery']), /^[0-9a-f]{32}$/)
      }

      const ips = receiver.requests.map((request) => (JSON.parse(request.body) as {attacker: {ip: string}}).attacker.ip).sort()
      assert.deepEqual(ips, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
      assert.deepEqual(await outboxKeys(db), [])
    })

    it('a receiver answering 500, then 200, gets the alert once, after a backoff', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await queue(db, new AlertQueue(), [firstSeen('203.0.113.9', 9)])
      const receiver = await startReceiver(t, {answer: (index) => (index === 0 ? 500 : 200), secret: SECRET})
      const result = await sender(db, receiver.url).pass(new AbortController().signal)
      assert.deepEqual(result, {delivered: 1, failures: 1})
      assert.deepEqual(receiver.requests.map((request) => request.status), [500, 200])
      assert.equal(receiver.accepted().length, 1)
      assert.equal(receiver.requests[0].headers['x-decnet-delivery'], receiver.requests[1].headers['x-decnet-delivery'], 'the same alert, retried')
      assert.deepEqual(await outboxKeys(db), [])
    })

    it('keeps what a receiver that is down did not take (under once: one try, then return)', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      await queue(db, new AlertQueue(), [firstSeen('203.0.113.4', 4)])
      const result = await sender(db, `http://127.0.0.1:${await freePort()}/`).pass(new AbortController().signal, true)
      assert.deepEqual(result, {delivered: 0, failures: 1})
      assert.deepEqual(await outboxKeys(db), ['attacker.first_seen 203.0.113.4'])
    })

    it('queues an alert once, and past its bound drops the oldest, counted', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const drops: number[] = []
      const q = new AlertQueue({maxQueue: 3, onDrop: (dropped) => drops.push(dropped)})
      assert.deepEqual(await queue(db, q, [firstSeen('203.0.113.1', 1), firstSeen('203.0.113.2', 2)]), {dropped: 0, queued: 2})
      assert.deepEqual(await queue(db, q, [firstSeen('203.0.113.1', 1)]), {dropped: 0, queued: 0}, 'a replay queues nothing')
      assert.deepEqual(await queue(db, q, [firstSeen('203.0.113.3', 3), firstSeen('203.0.113.4', 4), firstSeen('203.0.113.5', 5)]), {dropped: 2, queued: 3})
      assert.deepEqual(drops, [2])
      assert.deepEqual(await outboxKeys(db), ['203.0.113.3', '203.0.113.4', '203.0.113.5'].map((ip) => `attacker.first_seen ${ip}`))
    })

    it('the profiler queues each new attacker once, in its tick', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const profiler = new Profiler(db, {alerts: new AlertQueue()})
      await insertLogs(db, [commandLog('203.0.113.7', 0, 'id'), commandLog('203.0.113.8', 1, 'id'), commandLog('203.0.113.7', 2, 'ls')])
      await profiler.drain()
      await insertLogs(db, [commandLog('203.0.113.7', 3, 'pwd'), commandLog('203.0.113.9', 4, 'id')])
      await profiler.drain()
      assert.deepEqual((await outboxKeys(db)).sort(), ['203.0.113.7', '203.0.113.8', '203.0.113.9'].map((ip) => `attacker.first_seen ${ip}`))
      const row = await db.selectFrom('alert_outbox').selectAll().where('attacker_ip', '=', '203.0.113.7').executeTakeFirstOrThrow()
      assert.equal(row.seen_at, '2026-11-26T12:00:00.000Z', 'at its first line')
    })

    it('the ttp tick queues a technique once per attacker, only when the attacker did not have it', async (t) => {
      const {db} = await migratedDatabase(kind, t)
      const alerts = new AlertQueue()
      await insertLogs(db, [commandLog('203.0.113.7', 0, 'uname -a'), commandLog('203.0.113.7', 1, 'uname -a')])
      await ttpTick(db, {matcher}) // no webhook yet: nothing queued; the attacker now has T1082
      assert.deepEqual(await outboxKeys(db), [])
      await insertLogs(db, [commandLog('203.0.113.7', 2, 'uname -a'), commandLog('203.0.113.7', 3, 'history -c'), commandLog('203.0.113.8', 4, 'uname -a; uname -r')])
      await ttpTick(db, {alerts, matcher})
      await insertLogs(db, [commandLog('203.0.113.7', 5, 'history -c'), commandLog('203.0.113.8', 6, 'uname -a')])
      await ttpTick(db, {alerts, matcher})
      assert.deepEqual((await outboxKeys(db)).sort(), ['attacker.technique 203.0.113.7 T1070.003', 'attacker.technique 203.0.113.8 T1082'])
      const row = await db.selectFrom('alert_outbox').selectAll().where('attacker_ip', '=', '203.0.113.8').executeTakeFirstOrThrow()
      assert.equal(row.tactic, 'TA0007')
      assert.equal(JSON.parse(row.details).ruleId !== undefined, true)
    })
  })
}
