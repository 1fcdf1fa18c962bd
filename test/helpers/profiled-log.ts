/**
 * What the `decnet attackers show` tests on a profiled log share: a fresh
 * database of each kind holding a log that a real `decnet ingest` took in,
 * then profiled to the end; and a way to run the real CLI against it.
 *
 * @example
 * ```ts
 * const url = await profiledLog(t, kind, `${LINES.join('\n')}\n`)
 * const shown = await runShow(t, ['attackers', 'show', '203.0.113.7', '--json', '--db', url])
 * assert.equal(shown.code, 0, shown.stderr)
 * ```
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {TestContext} from 'node:test'
import {fileURLToPath} from 'node:url'

import type {Kysely} from 'kysely'

import {openDatabase} from '../../src/db/index.js'
import type {Database} from '../../src/db/schema.js'
import {profilerTick} from '../../dist/workers/profiler/profiler.js'
import {type DatabaseKind, freshDatabase} from './databases.js'

const RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** How a `decnet` run ended: `code` is 0, the exit code, or what execFile reports instead (a signal's name). */
export interface ShowRun {
  code: number | string | null | undefined
  stderr: string
  stdout: string
}

/** Runs `decnet ARGS` (bin/run.js) with a private data directory and no DECNET_DB_URL; up to 64 MiB of output. */
export function runShow(t: TestContext, args: readonly string[]): Promise<ShowRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'decnet-data-'))
  t.after(() => rmSync(dataDir, {force: true, recursive: true}))
  return new Promise((resolve) => {
    execFile(process.execPath, [RUN, ...args], {env: {...process.env, DECNET_DATA_DIR: dataDir, DECNET_DB_URL: ''}, maxBuffer: 64 * 1024 * 1024, timeout: 60_000}, (error, stdout, stderr) => {
      resolve({code: error ? error.code : 0, stderr, stdout})
    })
  })
}

/** What to do between the ingest and the profiling, and the profiler's batch size (default its own). */
export interface ProfiledLogOptions {
  /** Called with the database once the log is ingested, before the profiler runs (rows a foreign log store left). */
  beforeProfiling?: (db: Kysely<Database>) => Promise<void>
  batchSize?: number
}

/**
 * A fresh database of `kind` (removed after the test) holding `log` (the
 * file's bytes) as `decnet ingest` stored it, profiled tick by tick until
 * no line is left. Returns its URL.
 */
export async function profiledLog(t: TestContext, kind: DatabaseKind, log: Buffer | string, options: ProfiledLogOptions = {}): Promise<string> {
  const database = await freshDatabase(kind, t)
  t.after(() => database.cleanup())
  const dir = mkdtempSync(join(tmpdir(), 'decnet-profiled-'))
  t.after(() => rmSync(dir, {force: true, recursive: true}))
  const file = join(dir, 'decnet.log')
  writeFileSync(file, log)
  const ingest = await runShow(t, ['ingest', file, '--db', database.url])
  assert.equal(ingest.code, 0, ingest.stderr)
  const db = await openDatabase(database.url)
  try {
    await options.beforeProfiling?.(db)
    const tick = options.batchSize === undefined ? {} : {batchSize: options.batchSize}
    for (;;) if ((await profilerTick(db, tick)).lines === 0) break
  } finally {
    await db.destroy()
  }

  return database.url
}
