// The database goes away: PostgreSQL is down when `decnet fleet heavy` starts,
// and is stopped mid-run. The workers say so once per outage, stay alive (no
// restarts), resume when it is back and lose or double nothing. Under --once,
// a database that never answers fails the fleet after a few attempts.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {migrateToLatest, openDatabase} from '../../src/db/index.js'
import {localClusterUnavailable, privateCluster} from '../helpers/pg.js'
import {insertLogs, makeLogs} from '../helpers/profiler-logs.js'
import {assertProcessedExactlyOnce, caughtUp, count, cursorOf, fleetStatus, lastLogId, startHeavy, until, waitForCount} from '../helpers/scale.js'

const WORKERS = ['profiler', 'ttp']
const EXIT_ONCE_FAILED = 6
const skip = localClusterUnavailable() ?? (process.getuid?.() !== 0 && 'runs as root, drops to nobody')
// DEBUG lines count the retries; a short lease makes an idle worker notice the outage soon.
const ENV = {DEBUG: 'decnet:worker:*', DECNET_DB_RETRY_SECONDS: '1', DECNET_LEASE_SECONDS: '3'}
const retries = (worker: string): RegExp => new RegExp(`${worker} \\| .*database error, retrying in`, 'g')
const unreachable = (worker: string): RegExp => new RegExp(`${worker} \\| database unreachable: `, 'g')
const reachable = (worker: string): RegExp => new RegExp(`${worker} \\| database reachable again after [\\d.]+ s \\(\\d+ failed attempts?\\)`, 'g')

describe('heavy fleet and database outages', {skip, timeout: 300_000}, () => {
  it('down at start, then down mid-run: one line per outage, no restarts, resumes, nothing lost or doubled', async (t) => {
    const cluster = await privateCluster()
    t.after(() => cluster.stop())
    cluster.stopServer()

    const fleet = startHeavy(t, {env: ENV, name: 'fleet', url: cluster.url})
    for (const worker of WORKERS) {
      await fleet.waitFor(new RegExp(`${worker} \\| database unreachable: cannot connect to postgresql at 127\\.0\\.0\\.1:${cluster.port}: connection refused; retrying every 1 s`))
      await waitForCount(fleet, retries(worker), 3) // it kept trying, quietly
    }

    const status = await fleetStatus(t, fleet)
    for (const worker of status.workers) {
      assert.equal(worker.state, 'ready', 'a worker waiting for its database is up')
      assert.match(String(worker.detail), /^waiting for the database since \d\d:\d\d:\d\dZ: cannot connect to postgresql/)
    }

    cluster.startServer()
    for (const worker of WORKERS) await fleet.waitFor(reachable(worker))
    const db = await openDatabase(cluster.url)
    t.after(() => db.destroy())
    await migrateToLatest(db)
    await insertLogs(db, makeLogs(5000, {attackers: 200, seed: 11}))
    await caughtUp(db, [fleet])

    // mid-run: a large batch, and the server stops (immediate: in-flight transactions die) while it is being worked on
    await insertLogs(db, makeLogs(60_000, {attackers: 500, seed: 12, startMinute: 1000}))
    const total = await lastLogId(db)
    await until(async () => (await cursorOf(db, 'profiler')) > 5000, {what: 'the profiler to start on the new lines'})
    cluster.stopServer('immediate')
    for (const worker of WORKERS) {
      await waitForCount(fleet, unreachable(worker), 2)
      await waitForCount(fleet, retries(worker), count(fleet, retries(worker)) + 3)
    }

    cluster.startServer()
    for (const worker of WORKERS) await waitForCount(fleet, reachable(worker), 2)
    await insertLogs(db, makeLogs(5000, {attackers: 200, seed: 13, startMinute: 9000}))
    await caughtUp(db, [fleet])
    assert.ok((await lastLogId(db)) > total)

    for (const worker of WORKERS) {
      assert.equal(count(fleet, unreachable(worker)), 2, `${worker}: one line per outage\n${fleet.output()}`)
      assert.equal(count(fleet, reachable(worker)), 2, `${worker}: one line per recovery`)
    }

    assert.doesNotMatch(fleet.output(), /\[decnet\] worker \S+ \(pid \d+\) (crashed|exited)/)
    for (const worker of (await fleetStatus(t, fleet)).workers) assert.equal(worker.restarts, 0, `${worker.name} never restarted`)
    fleet.child.kill('SIGTERM')
    assert.equal((await fleet.exited).code, 0, fleet.output())
    await assertProcessedExactlyOnce(db)
  })

  it('--once with the database down: each worker gives up after 5 attempts and the fleet fails (exit 6)', async (t) => {
    const cluster = await privateCluster()
    t.after(() => cluster.stop())
    cluster.stopServer()
    const fleet = startHeavy(t, {args: ['--once'] as never[] /* the JS helper infers never[] from its default */, env: {DECNET_DB_RETRY_SECONDS: '0.2'}, name: 'once', url: cluster.url})
    const {code} = await fleet.exited
    assert.equal(code, EXIT_ONCE_FAILED, fleet.output())
    for (const worker of WORKERS) {
      assert.equal(count(fleet, unreachable(worker)), 1, fleet.output())
      assert.match(fleet.output(), new RegExp(`${worker} \\| worker ${worker} failed: DatabaseGaveUpError: database unreachable: gave up after 5 attempts over [\\d.]+ s: cannot connect`))
    }
  })
})
