// `--webhook-ca`: the sender checks an https receiver's certificate against the CAs it is given, instead
// of the system's. Against a real HTTPS receiver on 127.0.0.1 with a certificate made now by the openssl
// CLI: with its CA the alert is delivered; without it, or with another CA, the delivery fails with a
// clear logged error and the alert stays queued.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../../src/db/schema.js'

import {readWebhookCa} from '../../../src/alerts/webhook-ca.js'
import {WebhookSender} from '../../../src/workers/alerts/webhook-sender.js'
import {AlertQueue} from '../../../dist/workers/alerts/alert-queue.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {makeCertificates, opensslMissing} from '../../helpers/test-certificates.js'
import {startReceiver} from '../../helpers/webhook-receiver.js'

const SECRET = 'ca-test-secret'

function certificates(t: TestContext): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'decnet-webhook-ca-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  return makeCertificates(dir)
}

async function queued(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('alert_outbox').select('alert_key').orderBy('id').execute()).map((row) => row.alert_key)
}

/** One pass of a sender (one try, as under `--once`), with what it logged. */
async function pass(t: TestContext, db: Kysely<Database>, url: string, ca: string | undefined) {
  const warned: string[] = []
  t.mock.method(console, 'warn', (line: string) => void warned.push(line))
  t.mock.method(console, 'log', () => {})
  const sender = new WebhookSender(db, {...(ca === undefined ? {} : {ca}), concurrency: 1, maxBackoffMs: 1000, secret: SECRET, timeoutMs: 10_000, url: new URL(url)})
  const result = await sender.pass(new AbortController().signal, true)
  t.mock.restoreAll()
  return {result, warned}
}

for (const kind of DATABASE_KINDS) {
  describe(`webhook delivery to an https receiver with a private CA (${kind})`, {skip: skipReason(kind) ?? opensslMissing()}, () => {
    it('delivers with the CA given; without it, or with another CA, fails saying why and keeps the alert', async (t) => {
      const files = certificates(t)
      const receiver = await startReceiver(t, {secret: SECRET, tls: {cert: readFileSync(files['server.crt'], 'utf8'), key: readFileSync(files['server.key'], 'utf8')}})
      const {db} = await migratedDatabase(kind, t)
      await db.transaction().execute((trx) => new AlertQueue().queue(trx, [{attackerIp: '203.0.113.5', kind: 'attacker.first_seen', logId: 1, seenAt: '2026-12-08T01:00:00.000Z', tactic: null, techniqueId: null}]))
      const key = ['attacker.first_seen 203.0.113.5']

      const system = await pass(t, db, receiver.url, undefined)
      assert.deepEqual(system.result, {delivered: 0, failures: 1})
      assert.equal(system.warned.length, 1)
      assert.match(system.warned[0], /^webhook: delivery to https:\/\/127\.0\.0\.1:\d+\/… failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: the receiver's TLS certificate is not signed by a trusted CA \(a private CA: give it with --webhook-ca FILE\)\); retrying/)
      assert.deepEqual(await queued(db), key, 'the alert stays queued')

      const other = await pass(t, db, receiver.url, readWebhookCa(join(dirname(files['ca.crt']), 'rogue-ca.crt')).pem)
      assert.deepEqual(other.result, {delivered: 0, failures: 1})
      assert.match(other.warned[0], /failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: the receiver's TLS certificate is not signed by a trusted CA \(not by one of --webhook-ca's\)\)/)
      assert.deepEqual(await queued(db), key)
      assert.equal(receiver.requests.length, 0, 'nothing was sent to an untrusted receiver')

      const trusted = await pass(t, db, receiver.url, readWebhookCa(files['ca.crt']).pem)
      assert.deepEqual(trusted.result, {delivered: 1, failures: 0})
      assert.equal(receiver.requests.length, 1)
      assert.equal(receiver.requests[0].verified, true)
      assert.deepEqual(await queued(db), [])
    })
  })
}
