import assert from 'node:assert/strict'
import {describe, it, type TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../../src/db/schema.js'
import {PROFILER_CURSOR} from '../../../src/workers/profiler/profiler.js'
import type {DatabaseKind} from '../../helpers/databases.js'
import {DATABASE_KINDS, migratedDatabase, skipReason} from '../../helpers/databases.js'
import {killProfilerMidRunAndFinish} from '../../helpers/profiler-kill.js'
import {assertProfilesExact, insertLogs, makeLogs} from '../../helpers/profiler-logs.js'
import {type RunnerProcess, startWorkerRunner} from '../../helpers/worker-runner.js'

/**
 * 20,000 lines in batches of 150: 134 committed batches, so a kill sent as soon
 * as the first one is seen still lands mid-run with over a hundred batches to
 * spare (60,000 lines cost this file ~25 s of CPU over both databases).
 */
const LINES = 20_000
const TIMEOUT_MS = 120_000

/** Starts the profiler worker in its own process; the child is killed when the test ends. */
function startWorker(t: TestContext, url: string, args: string[]): RunnerProcess {
  return startWorkerRunner(t, 'profiler', args, {DECNET_DB_URL: url})
}

async function cursorOf(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('worker_state').select('cursor').where('worker', '=', PROFILER_CURSOR).executeTakeFirst()
  return row === undefined ? 0 : Number(row.cursor)
}

/** Waits until the worker committed its first tick (or exited, which fails the caller), then reads the cursor. */
async function cursorMoved(db: Kysely<Database>, worker: RunnerProcess): Promise<number> {
  await worker.ticked
  return cursorOf(db)
}

async function setup(t: TestContext, kind: DatabaseKind): Promise<{db: Kysely<Database>; url: string}> {
  return migratedDatabase(kind, t)
}

for (const kind of DATABASE_KINDS) {
  describe(`profiler worker process (${kind})`, {skip: skipReason(kind), timeout: TIMEOUT_MS}, () => {
    it('loses and doubles nothing when SIGKILLed mid-run and restarted', async (t) => {
      const {db, url} = await setup(t, kind)
      await insertLogs(db, makeLogs(LINES, {attackers: 300, seed: 21}))
      await killProfilerMidRunAndFinish(t, db, url, LINES, {}, 1000) // the rest, still over several batches
      await assertProfilesExact(db)
    })

    it('never folds a line twice when two workers run at once', async (t) => {
      const {db, url} = await setup(t, kind)
      await insertLogs(db, makeLogs(20_000, {attackers: 100, seed: 22}))
      const workers = [startWorker(t, url, ['--once', '--batch', '100']), startWorker(t, url, ['--once', '--batch', '230'])]
      for (const worker of workers) {
        const result = await worker.exited
        assert.equal(result.code, 0, result.stderr)
      }

      assert.equal(await cursorOf(db), 20_000)
      await assertProfilesExact(db)
    })

    it('exits cleanly on SIGTERM, and a restart resumes from its cursor', async (t) => {
      const {db, url} = await setup(t, kind)
      await insertLogs(db, makeLogs(LINES, {attackers: 300, seed: 23}))
      const first = startWorker(t, url, ['--batch', '150', '--interval', '3600'])
      await cursorMoved(db, first)
      first.child.kill('SIGTERM')
      const stopped = await first.exited
      assert.equal(stopped.code, 0, stopped.stderr)
      const second = startWorker(t, url, ['--once'])
      assert.equal((await second.exited).code, 0)
      assert.equal(await cursorOf(db), LINES)
      await assertProfilesExact(db)
    })
  })
}
