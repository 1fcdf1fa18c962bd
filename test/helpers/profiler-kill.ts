/**
 * The profiler kill test the data tests share: run the profiler worker
 * (run-profiler.ts) over every pending line in batches of 150, SIGKILL it
 * right after its first committed tick, check that the kill landed mid-run,
 * then run it again to the end in batches of `finishBatch` (other tick
 * boundaries than the killed run's). Both hold a lease of 5 s, not the
 * default 30, so the restart waits at most that long for the killed run's
 * lease to lapse (the takeover itself is the two-fleet tests' subject). The
 * caller then compares what it stored with a from-scratch fold.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'
import type {TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../src/db/schema.js'

const RUNNER = fileURLToPath(new URL('run-profiler.ts', import.meta.url))

/** The lease both runs hold: how long the restart waits at most for the killed run's to lapse. */
const KILL_LEASE_SECONDS = 5

/** The profiler's cursor (0 before its first tick). */
export async function profilerCursor(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('worker_state').select('cursor').where('worker', '=', 'profiler').executeTakeFirst()
  return Number(row?.cursor ?? 0)
}

interface ProfilerRun {
  child: ReturnType<typeof spawn>
  exited: Promise<{code: null | number; signal: NodeJS.Signals | null; stderr: string}>
  /** Resolves once a tick is committed (its `debug: tick: ...` line), or when the process exits (the caller then sees why). */
  ticked: Promise<void>
}

function startProfiler(t: TestContext, env: NodeJS.ProcessEnv, batch: number, args: readonly string[]): ProfilerRun {
  const runner = ['--import', 'tsx', RUNNER, '--once', '--batch', String(batch), '--lease', String(KILL_LEASE_SECONDS), ...args]
  const child = spawn(process.execPath, runner, {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const exited = once(child, 'exit').then(([code, signal]) => ({code: code as null | number, signal: signal as NodeJS.Signals | null, stderr}))
  let stdout = ''
  const ticked = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      if (/^debug: tick: /m.test(stdout)) resolve()
    })
    void exited.then(() => resolve())
  })
  return {child, exited, ticked}
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
