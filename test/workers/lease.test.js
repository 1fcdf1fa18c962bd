// The worker lease (src/workers/lease.ts), the transient-error test and the
// outage log, against real databases of both dialects.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {sql} from 'kysely'

import {DatabaseError, openDatabase} from '../../dist/db/index.js'
import {isTransientDatabaseError} from '../../dist/db/is-transient-error.js'
import {DatabaseGaveUpError, DatabaseOutage} from '../../dist/workers/database-outage.js'
import {Lease} from '../../dist/workers/lease.js'
import {loopSettings} from '../../dist/workers/loop-settings.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../helpers/databases.js'
import {waitUntil} from '../helpers/fleet-harness.js'

async function setup(t, kind) {
  return migratedDatabase(kind, t)
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

for (const kind of DATABASE_KINDS) {
  describe(`worker lease (${kind})`, {skip: skipReason(kind)}, () => {
    it('one holder at a time: renewals keep it, a release frees it, others are told who holds it', async (t) => {
      const {db} = await setup(t, kind)
      const a = new Lease(db, 'profiler', {holder: 'host-a:1:aaaaaa', ttlMs: 60_000})
      const b = new Lease(db, 'profiler', {holder: 'host-b:2:bbbbbb', ttlMs: 60_000})
      const other = new Lease(db, 'ttp', {holder: 'host-b:2:cccccc', ttlMs: 60_000})

      const first = await a.acquire()
      assert.equal(first.held, true)
      assert.match(first.expiresAt, ISO)
      assert.equal(a.valid, true)
      const refused = await b.acquire()
      assert.deepEqual(refused, {expiresAt: first.expiresAt, held: false, holder: 'host-a:1'})
      assert.equal(b.valid, false)
      assert.equal((await other.acquire()).held, true, 'leases of other kinds are independent')

      const renewed = await a.acquire()
      assert.equal(renewed.held, true)
      assert.equal(renewed.acquiredAt, first.acquiredAt, 'a renewal keeps the acquisition time')
      assert.ok(renewed.expiresAt >= first.expiresAt)

      await b.release() // not the holder: changes nothing
      assert.equal((await b.acquire()).held, false)
      await a.release()
      assert.equal(a.valid, false)
      const taken = await b.acquire()
      assert.equal(taken.held, true)
      assert.deepEqual(await db.selectFrom('worker_lease').select(['worker', 'holder']).orderBy('worker').execute(), [
        {holder: 'host-b:2:bbbbbb', worker: 'profiler'},
        {holder: 'host-b:2:cccccc', worker: 'ttp'},
      ])
    })

    it('a lease that is not renewed lapses: another instance takes it, and the old holder knows it lost it', async (t) => {
      const {db} = await setup(t, kind)
      const a = new Lease(db, 'ttp', {holder: 'host-a:1:aaaaaa', ttlMs: 400})
      const b = new Lease(db, 'ttp', {holder: 'host-b:2:bbbbbb', ttlMs: 400})
      assert.equal((await a.acquire()).held, true)
      assert.equal((await b.acquire()).held, false)
      // the holder's own clock says it lapsed no later than the database's does
      await waitUntil(() => !a.valid, {timeoutMs: 5000, what: 'the lease to lapse locally'})
      let state
      const deadline = performance.now() + 10_000
      do state = await b.acquire()
      while (!state.held && performance.now() < deadline)
      assert.equal(state.held, true, 'b takes the lapsed lease')
      assert.deepEqual(await a.acquire(), {expiresAt: state.expiresAt, held: false, holder: 'host-b:2'})
    })

    it('several instances racing for a free lease: exactly one wins', async (t) => {
      const {db, url} = await setup(t, kind)
      const dbs = [db]
      for (let i = 1; i < 4; i++) {
        const other = await openDatabase(url)
        t.after(() => other.destroy())
        dbs.push(other)
      }

      const leases = dbs.flatMap((each, i) => [0, 1].map((j) => new Lease(each, 'profiler', {holder: `h${i}:${j}:000000`, ttlMs: 60_000})))
      const states = await Promise.all(leases.map((lease) => lease.acquire()))
      assert.equal(states.filter((state) => state.held).length, 1, JSON.stringify(states))
    })
  })
}

describe('isTransientDatabaseError', () => {
  it('retries an unreachable server, not a bad query or a non-database error', async (t) => {
    // a closed port on this host: connection refused
    const refused = await openDatabase('postgres://nobody@127.0.0.1:9/nothing', {connectTimeoutMs: 2000}).catch((error) => error)
    assert.ok(refused instanceof DatabaseError, String(refused))
    assert.equal(isTransientDatabaseError(refused), true, refused.message)

    const {db} = await setup(t, 'sqlite')
    const bad = await sql`select * from no_such_table`.execute(db).catch((error) => error)
    assert.ok(bad instanceof DatabaseError)
    assert.equal(isTransientDatabaseError(bad), false)
    assert.equal(isTransientDatabaseError(new Error('connection terminated')), false, 'only database errors')
    const busy = new DatabaseError('sqlite database x is locked', {code: 'SQLITE_BUSY', target: 'x'})
    assert.equal(isTransientDatabaseError(busy), true)
    const lost = new DatabaseError('postgresql at h:5432: Connection terminated unexpectedly', {target: 'h', cause: new Error('Connection terminated unexpectedly')})
    assert.equal(isTransientDatabaseError(lost), true)
    assert.equal(isTransientDatabaseError(new DatabaseError('refused user', {code: '28P01', target: 'h'})), false)
    assert.equal(isTransientDatabaseError(new DatabaseError('too many', {code: '53300', target: 'h'})), true)
  })

  it('a postgresql session ended by the server is transient; sessions carry the idle-in-transaction timeout and keepalives', {skip: skipReason('postgres')}, async (t) => {
    const {db} = await setup(t, 'postgres')
    const shown = async (name) => Object.values((await sql.raw(`show ${name}`).execute(db)).rows[0])[0]
    assert.equal(await shown('idle_in_transaction_session_timeout'), '1min')
    assert.equal(await shown('tcp_keepalives_idle'), '60')
    const killed = await db
      .transaction()
      .execute(async (trx) => {
        await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx)
      })
      .catch((error) => error)
    assert.ok(killed instanceof DatabaseError, String(killed))
    assert.equal(isTransientDatabaseError(killed), true, `${killed.code}: ${killed.message}`)
    await sql`select 1`.execute(db) // the pool replaces the dead connection
  })
})

describe('DatabaseOutage', () => {
  it('logs one line per outage, doubles its delay up to the cap, and says when the database is back', () => {
    const lines = []
    const log = {info: (line) => lines.push(`info ${line}`), warn: (line) => lines.push(`warn ${line}`)}
    const outage = new DatabaseOutage({log, maxMs: 8000, random: () => 0})
    const error = new Error('cannot connect to postgresql at db:5432: connection refused')
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => outage.failed(error)), [1000, 2000, 4000, 8000, 8000, 8000])
    assert.deepEqual(lines, ['warn database unreachable: cannot connect to postgresql at db:5432: connection refused; retrying in 1 s, backing off to 8 s'])
    outage.over()
    assert.match(lines[1], /^info database reachable again after [\d.]+ s \(6 failed attempts\)$/)
    outage.over()
    assert.equal(lines.length, 2, 'nothing to say when there was no outage')
    assert.equal(outage.failed(error), 1000, 'a new outage starts from the first delay')
    assert.equal(lines.length, 3)
  })

  it('with maxAttempts (--once): gives up after that many failures in a row', () => {
    const outage = new DatabaseOutage({log: {info() {}, warn() {}}, maxAttempts: 3})
    const error = new Error('connection refused')
    outage.failed(error)
    outage.failed(error)
    assert.throws(() => outage.failed(error), (thrown) => thrown instanceof DatabaseGaveUpError && /gave up after 3 attempts over [\d.]+ s: connection refused/.test(thrown.message))
  })
})

describe('loopSettings', () => {
  it('reads options, then DECNET_LEASE_SECONDS / DECNET_DB_RETRY_SECONDS, then defaults', () => {
    assert.deepEqual(loopSettings({}, false, 60, {}), {
      dbAttempts: Number.POSITIVE_INFINITY, dbRetryMaxMs: 30_000, intervalMs: 60_000, leaseMs: 30_000, renewMs: 10_000, standbyRetryMs: 5000,
    })
    const fromEnv = loopSettings({interval: 1}, true, 60, {DECNET_DB_RETRY_SECONDS: '2', DECNET_LEASE_SECONDS: '3'})
    assert.deepEqual(fromEnv, {dbAttempts: 5, dbRetryMaxMs: 2000, intervalMs: 1000, leaseMs: 3000, renewMs: 1000, standbyRetryMs: 500})
    assert.equal(loopSettings({leaseSeconds: 6}, false, 60, {DECNET_LEASE_SECONDS: '3'}).leaseMs, 6000)
    assert.throws(() => loopSettings({}, false, 60, {DECNET_LEASE_SECONDS: 'soon'}), /Expected \$DECNET_LEASE_SECONDS to be a positive number of seconds, got `soon`/)
    assert.throws(() => loopSettings({leaseSeconds: 0.1}, false, 60, {}), /at least 0.3 seconds/)
  })
})
