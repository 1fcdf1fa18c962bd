/**
 * Several `decnet fleet heavy` instances on one database, for the scale-out
 * and database-outage tests: starting them (each with its own control socket
 * directory), killing one like a dead host, reading cursors, and checking
 * that every line was profiled and tagged exactly once.
 */
import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdtempSync, rmSync} from 'node:fs'
import type {TestContext} from 'node:test'

import type {Kysely} from 'kysely'

import type {Database} from '../../src/db/schema.js'
import type {FleetStatus} from '../../src/prefork/fleet-status.js'
import {PROFILER_CURSOR} from '../../src/workers/profiler/profiler.js'
import {TTP_CURSOR} from '../../src/workers/ttp/tick.js'
import {dataDirEnv, type DecnetRun, isAlive, runDecnet, startDecnet} from './decnet-cli.js'
import {assertProfilesExact} from './profiler-logs.js'
import {retagFromScratch} from './reference-tagger.js'

export const NOBODY = 65_534
export const CURSORS: readonly string[] = Object.freeze([PROFILER_CURSOR, TTP_CURSOR])

/** A `decnet fleet heavy` started by {@link startHeavy}: the run, the environment its commands need, and a name for messages. */
export interface HeavyRun extends DecnetRun {
  readonly env: Record<string, string | undefined>
  readonly name: string
}

/** How {@link startHeavy} starts a fleet. */
export interface HeavyOptions {
  url: string
  env?: Record<string, string | undefined>
  name?: string
  args?: readonly string[]
}

/** What {@link until} waits for. */
export interface UntilOptions {
  timeoutMs?: number
  what?: string
}

/** A private directory `nobody` owns (SQLite needs to write next to its file), removed after the test. */
export function nobodyDir(t: TestContext): string {
  const dir = mkdtempSync('/tmp/decnet-scale-')
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  chmodSync(dir, 0o755)
  chownSync(dir, NOBODY, NOBODY)
  return dir
}

/**
 * Starts `decnet fleet heavy --user nobody --interval 1 --db URL` with its own
 * data and runtime directory (so its control socket is its own) and extra env
 * (DECNET_LEASE_SECONDS, DECNET_DB_RETRY_SECONDS, DEBUG ...).
 *
 * @returns the `startDecnet` handle plus `env` (for `fleet status`) and `name`.
 */
export function startHeavy(t: TestContext, {url, env = {}, name = 'fleet', args = []}: HeavyOptions): HeavyRun {
  const dir = nobodyDir(t)
  const fleetEnv = {...dataDirEnv(dir), ...env}
  const run = startDecnet(t, ['fleet', 'heavy', '--user', 'nobody', '--interval', '1', '--db', url, ...args], {env: fleetEnv})
  return Object.assign(run, {env: fleetEnv, name})
}

/** Kills a fleet the way a host dies: its workers and its master at once (SIGKILL), so nothing is released. */
export async function killHard(run: DecnetRun): Promise<void> {
  const pids = [...run.workerPids().values()]
  for (const pid of pids) process.kill(pid, 'SIGKILL')
  run.child.kill('SIGKILL')
  await run.exited
  for (const pid of pids) await until(() => !isAlive(pid), {what: `worker pid ${pid} to die`})
}

/** `decnet fleet status --json` of one fleet (its own runtime directory). */
export async function fleetStatus(t: TestContext, run: HeavyRun): Promise<FleetStatus> {
  const {code, stdout, stderr} = await runDecnet(t, ['fleet', 'status', 'heavy', '--json'], {env: run.env})
  assert.equal(code, 0, stderr)
  return JSON.parse(stdout) as FleetStatus
}

/** The cursor of a worker (0 when it has none yet). */
export async function cursorOf(db: Kysely<Database>, worker: string): Promise<number> {
  const row = await db.selectFrom('worker_state').select('cursor').where('worker', '=', worker).executeTakeFirst()
  return Number(row?.cursor ?? 0)
}

/** The highest log id. */
export async function lastLogId(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('logs').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst()
  return Number(row?.id ?? 0)
}

/** Waits until both workers' cursors reach the last log id, failing if any of `runs` exits first. */
export async function caughtUp(db: Kysely<Database>, runs: readonly HeavyRun[], timeoutMs = 120_000): Promise<void> {
  const last = await lastLogId(db)
  await until(
    async () => {
      for (const run of runs) assert.equal(run.child.exitCode, null, `${run.name} exited early\n${run.output()}`)
      for (const cursor of CURSORS) if ((await cursorOf(db, cursor)) < last) return false
      return true
    },
    {timeoutMs, what: `both cursors to reach ${last}`},
  )
}

/** Polls `predicate` (sync or async) every 50 ms until it is true; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, {timeoutMs = 60_000, what = 'a condition'}: UntilOptions = {}): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** How many times `re` (global) matches the output of `run`. */
export function count(run: DecnetRun, re: RegExp): number {
  return [...run.output().matchAll(re)].length
}

/** Waits until `re` (global) has matched the output of `run` at least `n` times. */
export async function waitForCount(run: HeavyRun, re: RegExp, n: number, timeoutMs = 60_000): Promise<void> {
  await until(() => {
    assert.equal(run.child.exitCode, null, `${run.name} exited early\n${run.output()}`)
    return count(run, re) >= n
  }, {timeoutMs, what: `${n} matches of ${re} in the output of ${run.name}\n${run.output()}`})
}

/**
 * Asserts that every line was profiled exactly once (profiles equal a fold of
 * the whole log from scratch) and tagged exactly once (the tags equal what one
 * tagger computes from scratch over the same lines, none twice).
 */
export async function assertProcessedExactlyOnce(db: Kysely<Database>): Promise<void> {
  await assertProfilesExact(db)
  const tags = await tagKeys(db)
  assert.equal(new Set(tags).size, tags.length, 'no line tagged twice')
  assert.ok(tags.length > 0, 'some lines were tagged')
  await retagFromScratch(db)
  assert.deepEqual(tags, await tagKeys(db), 'the tags are exactly those of one tagger over every line')
}

async function tagKeys(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('ttp_tags').select(['log_id', 'rule_id', 'technique_id', 'sub_technique_id']).execute()
  return rows.map((row) => `${row.log_id}|${row.rule_id}|${row.technique_id}|${row.sub_technique_id ?? ''}`).sort()
}

