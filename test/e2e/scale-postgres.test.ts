// Several hosts, one PostgreSQL: two `decnet fleet heavy` on one database while
// lines keep arriving; one is SIGKILLed like a dead host; the other takes its
// leases over once they lapse, and every line is profiled and tagged exactly once.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {migrateToLatest, openDatabase} from '../../src/db/index.js'
import {freshDatabase, skipReason} from '../helpers/databases.js'
import {insertLogs, makeLogs} from '../helpers/profiler-logs.js'
import {assertProcessedExactlyOnce, caughtUp, CURSORS, cursorOf, fleetStatus, killHard, startHeavy, until} from '../helpers/scale.js'

const LEASE_SECONDS = 3
// a standby retries every lease/6 = 0.5 s; the rest is room for a loaded machine
const TAKEOVER_BOUND_MS = (LEASE_SECONDS + 0.5) * 1000 + 15_000
const BATCHES = 24
const BATCH_LINES = 1000

describe('two heavy fleets on one PostgreSQL', {skip: skipReason('postgres') ?? (process.getuid?.() !== 0 && 'runs as root, drops to nobody'), timeout: 300_000}, () => {
  it('one runs each worker, the other stands by (status says which); after a SIGKILL the survivor takes over within the lease bound, and nothing is done twice', async (t) => {
    const database = (await freshDatabase('postgres', t))
    t.after(() => database.cleanup())
    const db = await openDatabase(database.url)
    t.after(() => db.destroy())
    await migrateToLatest(db)
    const env = {DECNET_LEASE_SECONDS: String(LEASE_SECONDS)}

    const a = startHeavy(t, {env, name: 'fleet a', url: database.url})
    await a.waitFor(/profiler \| active: this instance \(\S+\) holds the profiler lease/)
    await a.waitFor(/ttp \| active: this instance \(\S+\) holds the ttp lease/)
    const b = startHeavy(t, {env, name: 'fleet b', url: database.url})
    const master = a.child.pid // a lease names the fleet master holding it
    await b.waitFor(new RegExp(`profiler \\| standby: profiler lease held by \\S+:${master} until \\d\\d:\\d\\d:\\d\\dZ`))
    await b.waitFor(new RegExp(`ttp \\| standby: ttp lease held by \\S+:${master} until`))

    // status: which instance holds what
    const statusA = await fleetStatus(t, a)
    const statusB = await fleetStatus(t, b)
    for (const worker of statusA.workers) assert.match(String(worker.detail), /^active \(lease until \d\d:\d\d:\d\dZ\)$/, JSON.stringify(worker))
    for (const worker of statusB.workers) {
      assert.match(String(worker.detail), new RegExp(`^standby \\(held by \\S+:${master} until \\d\\d:\\d\\d:\\d\\dZ\\)$`), JSON.stringify(worker))
    }

    // a stream of lines; fleet a dies (SIGKILL, nothing released) half-way, once it has done some of the work
    let killedAt = Number.NaN
    for (let batch = 0; batch < BATCHES; batch++) {
      await insertLogs(db, makeLogs(BATCH_LINES, {attackers: 300, seed: 100 + batch, startMinute: batch * 100}))
      if (batch === BATCHES / 2) {
        await until(async () => (await cursorOf(db, 'profiler')) > 0 && (await cursorOf(db, 'ttp')) > 0, {what: 'fleet a to do some work'})
        await killHard(a)
        killedAt = performance.now()
      }
    }

    for (const worker of ['profiler', 'ttp']) {
      await b.waitFor(new RegExp(`${worker} \\| active: this instance \\(\\S+\\) holds the ${worker} lease \\(taken over from \\S+:${master}\\)`), TAKEOVER_BOUND_MS * 2)
    }

    const takeoverMs = performance.now() - killedAt
    assert.ok(takeoverMs < TAKEOVER_BOUND_MS, `took over ${takeoverMs} ms after the kill (bound ${TAKEOVER_BOUND_MS} ms)`)
    await caughtUp(db, [b])
    for (const worker of (await fleetStatus(t, b)).workers) {
      assert.match(String(worker.detail), /^active \(lease until/)
      assert.equal(worker.restarts, 0, 'the standby workers never crashed')
    }
    b.child.kill('SIGTERM')
    assert.equal((await b.exited).code, 0, b.output())
    assert.deepEqual(await db.selectFrom('worker_lease').select(['worker', 'holder']).orderBy('worker').execute(), [
      {holder: null, worker: 'profiler'},
      {holder: null, worker: 'ttp'},
    ], 'a clean stop releases the leases')
    for (const cursor of CURSORS) assert.equal(await cursorOf(db, cursor), BATCHES * BATCH_LINES)
    await assertProcessedExactlyOnce(db)
  })
})
