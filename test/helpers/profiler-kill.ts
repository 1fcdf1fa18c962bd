/**
 * The profiler kill test the data tests share: run the profiler worker
 * (run-profiler.ts) over every pending line in batches of 150, SIGKILL it
 * right after its first committed tick, check that the kill landed mid-run,
 * then run it again to the end in batches of `finishBatch` (other tick
 * boundaries than the killed run's). Both hold a lease of KILL_LEASE_SECONDS
 * (worker-runner.ts), not the default 30, so the restart waits at most that
 * long for the killed run's lease to lapse. The caller then compares what it
 * stored with a from-scratch fold.
 */
import assert from 'node:assert/strict'
import type {TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../src/db/schema.js'
import {KILL_LEASE_SECONDS, type RunnerProcess, startWorkerRunner} from './worker-runner.js'

/** The profiler's cursor (0 before its first tick). */
export async function profilerCursor(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('worker_state').select('cursor').where('worker', '=', 'profiler').executeTakeFirst()
  return Number(row?.cursor ?? 0)
}

function startProfiler(t: TestContext, env: NodeJS.ProcessEnv, batch: number, args: readonly string[]): RunnerProcess {
  return startWorkerRunner(t, 'profiler', ['--once', '--batch', String(batch), '--lease', String(KILL_LEASE_SECONDS), ...args], env)
}

/**
 * Kills the profiler after its first committed tick and runs it again to the
 * end, over the `lines` pending lines of the database at `url` (`env` adds
 * to the worker's environment; `args` to run-profiler.ts's, e.g. `--alerts`).
 */
export async function killProfilerMidRunAndFinish(
  t: TestContext,
  db: Kysely<Database>,
  url: string,
  lines: number,
  env: NodeJS.ProcessEnv = {},
  finishBatch = 5000,
  args: readonly string[] = [],
): Promise<void> {
  const first = startProfiler(t, {...env, DECNET_DB_URL: url}, 150, args)
  await first.ticked
  first.child.kill('SIGKILL')
  const killed = await first.exited
  assert.equal(killed.signal, 'SIGKILL', `the worker was still running when killed; stderr: ${killed.stderr}`)
  const stoppedAt = await profilerCursor(db)
  assert.ok(stoppedAt > 0 && stoppedAt < lines, `killed mid-run (cursor ${stoppedAt} of ${lines})`)
  const done = await startProfiler(t, {...env, DECNET_DB_URL: url}, finishBatch, args).exited
  assert.equal(done.code, 0, done.stderr)
  assert.equal(await profilerCursor(db), lines)
}
