// Two `decnet fleet heavy` on one SQLite file: the second stands by, says who
// holds each worker, and takes over when the first stops.
import assert from 'node:assert/strict'
import {chownSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {migrateToLatest, openDatabase} from '../../src/db/index.js'
import {insertLogs, makeLogs} from '../helpers/profiler-logs.js'
import {assertProcessedExactlyOnce, caughtUp, count, fleetStatus, NOBODY, nobodyDir, startHeavy, waitForCount} from '../helpers/scale.js'

describe('two heavy fleets on one SQLite file', {skip: process.getuid?.() !== 0 && 'runs as root, drops to nobody', timeout: 180_000}, () => {
  it('the second waits in standby (once per holder, not per retry) and takes over when the first is stopped', async (t) => {
    const dir = nobodyDir(t)
    const url = `sqlite:${join(dir, 'decnet.sqlite')}`
    const db = await openDatabase(url)
    t.after(() => db.destroy())
    await migrateToLatest(db)
    await insertLogs(db, makeLogs(5000, {attackers: 100, seed: 7}))
    for (const name of readdirSync(dir)) chownSync(join(dir, name), NOBODY, NOBODY)
    // a long lease: the takeover below must come from the release at a clean stop, not from a lapse
    const env = {DECNET_LEASE_SECONDS: '600'}

    const first = startHeavy(t, {env, name: 'first', url})
    await first.waitFor(/profiler \| active: /)
    await first.waitFor(/ttp \| active: /)
    const second = startHeavy(t, {env, name: 'second', url})
    const master = first.child.pid
    await second.waitFor(new RegExp(`profiler \\| standby: profiler lease held by \\S+:${master} until`))
    await second.waitFor(new RegExp(`ttp \\| standby: ttp lease held by \\S+:${master} until`))
    await caughtUp(db, [first, second])
    const status = await fleetStatus(t, second)
    for (const worker of status.workers) assert.match(String(worker.detail), new RegExp(`^standby \\(held by \\S+:${master} until`))

    // a worker of the holding fleet crashes: its restarted process is the same instance and resumes at once
    // (with a 600 s lease, waiting for a lapse would time the test out)
    process.kill(first.workerPids().get('profiler') as number, 'SIGKILL')
    await waitForCount(first, /profiler \| active: this instance/g, 2)
    assert.equal(count(first, /standby: /g), 0, first.output())

    first.child.kill('SIGTERM')
    assert.equal((await first.exited).code, 0, first.output())
    await second.waitFor(/profiler \| active: this instance \(\S+\) holds the profiler lease \(taken over from/)
    await second.waitFor(/ttp \| active: this instance \(\S+\) holds the ttp lease \(taken over from/)
    assert.equal(count(second, /standby: /g), 2, `one standby line per worker, however many retries\n${second.output()}`)

    await insertLogs(db, makeLogs(3000, {attackers: 100, seed: 8, startMinute: 600}))
    await caughtUp(db, [second])
    // the cursor commits before the worker checkpoints and says what it did
    await second.waitFor(/profiler \| profiled \d+ lines/)
    second.child.kill('SIGTERM')
    assert.equal((await second.exited).code, 0, second.output())
    await assertProcessedExactlyOnce(db)
  })
})
