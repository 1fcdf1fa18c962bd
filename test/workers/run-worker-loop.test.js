// The shared worker loop (src/workers/run-worker-loop.ts) run in this process
// through the profiler worker, against real databases: standby while another
// instance holds the lease, takeover when it is released, --once behaviour.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseDatabaseUrl} from '../../dist/db/url.js'
import {Lease} from '../../dist/workers/lease.js'
import profiler from '../../dist/workers/profiler/worker.js'
import {DATABASE_KINDS, migratedDatabase, skipReason, useDatabaseUrl} from '../helpers/databases.js'
import {insertLogs, makeLogs} from '../helpers/profiler-logs.js'
import {cursorOf, until} from '../helpers/scale.js'

/** A WorkerContext as the child entry builds it, recording what the worker says about itself. */
function context({once = false, options = {}} = {}) {
  const controller = new AbortController()
  const statuses = []
  const ctx = {
    // the database as the fleet gives it: here the test's DECNET_DB_URL (see useDatabaseUrl), parsed
    database: process.env.DECNET_DB_URL === undefined ? undefined : parseDatabaseUrl(process.env.DECNET_DB_URL),
    debug() {},
    fleet: 'heavy',
    name: 'profiler',
    once,
    options,
    ready() {},
    signal: controller.signal,
    status: (text) => statuses.push(text),
  }
  return {controller, ctx, statuses}
}

async function setup(t, kind) {
  const {db, url} = await migratedDatabase(kind, t)
  useDatabaseUrl(t, url)
  return db
}

/** Holds the profiler lease as another instance would, renewing it until released. */
async function otherInstance(db, ttlMs) {
  const lease = new Lease(db, 'profiler', {holder: 'host-b:5150:1234', ttlMs})
  assert.equal((await lease.acquire()).held, true)
  const timer = setInterval(() => void lease.acquire(), ttlMs / 4)
  return {
    async release() {
      clearInterval(timer)
      await lease.release()
    },
    stop: () => clearInterval(timer),
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`worker loop (${kind})`, {skip: skipReason(kind), timeout: 60_000}, () => {
    it('stands by while another instance holds the lease, saying who, and takes over when it is released', async (t) => {
      const db = await setup(t, kind)
      await insertLogs(db, makeLogs(500, {seed: 3}))
      const other = await otherInstance(db, 2000)
      t.after(() => other.stop())
      const {controller, ctx, statuses} = context({options: {interval: 0.2, leaseSeconds: 2}})
      const running = profiler(ctx)
      t.after(() => controller.abort())
      await until(() => statuses.some((text) => text.startsWith('standby')), {what: 'standby'})
      assert.match(statuses.find((text) => text.startsWith('standby')), /^standby \(held by host-b:5150 until \d\d:\d\d:\d\dZ\)$/)
      assert.equal(await cursorOf(db, 'profiler'), 0, 'a standby does no work')

      await other.release()
      await until(async () => (await cursorOf(db, 'profiler')) === 500, {what: 'the takeover'})
      assert.match(statuses.at(-1), /^active \(lease until \d\d:\d\d:\d\dZ\)$/)
      controller.abort()
      await running
      const [lease] = await db.selectFrom('worker_lease').selectAll().execute()
      assert.equal(lease.holder, null, 'released on the way out')
    })

    it('--once: another instance alive for a whole lease period does the work; this one returns without running', async (t) => {
      const db = await setup(t, kind)
      await insertLogs(db, makeLogs(100, {seed: 4}))
      const other = await otherInstance(db, 600)
      t.after(() => other.stop())
      const {ctx, statuses} = context({once: true, options: {leaseSeconds: 0.6}})
      await profiler(ctx)
      assert.ok(statuses.every((text) => !text.startsWith('active')), statuses.join('\n'))
      assert.equal(await cursorOf(db, 'profiler'), 0)

      await other.release()
      await profiler(context({once: true}).ctx)
      assert.equal(await cursorOf(db, 'profiler'), 100, 'with the lease free, --once drains everything')
    })
  })
}
